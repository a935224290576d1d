// web/shared/qr.js - a QR code as an SVG element, for the worker app (a meal's pickup code) and
// the station screen (the rotating check-in code). Drawn with createElementNS, never parsed, so
// it runs under the apps' CSP; dark modules are written as horizontal runs, as the server's
// posters are (api/visits.c), which keeps the path short.
import qrcode from 'qrcode-generator';

/** The QR code of `text` (mode 'Byte' or 'Alphanumeric') as an SVG element labelled `label`. */
export function qrSvg(text, label, mode = 'Byte') {
  const qr = qrcode(0, 'M');
  qr.addData(text, mode);
  qr.make();
  const n = qr.getModuleCount(), q = 4, size = n + 2 * q;
  let d = '';
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n;) {
      if (!qr.isDark(r, c)) { c++; continue; }
      let e = c;
      while (e < n && qr.isDark(r, e)) e++;
      d += `M${c + q} ${r + q}h${e - c}v1h-${e - c}z`;
      c = e;
    }
  }
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  for (const [k, v] of Object.entries({ viewBox: `0 0 ${size} ${size}`, role: 'img', 'aria-label': label,
    'shape-rendering': 'crispEdges', class: 'qr' })) svg.setAttribute(k, v);
  const bg = document.createElementNS(NS, 'rect');
  for (const [k, v] of Object.entries({ width: size, height: size, fill: '#fff' })) bg.setAttribute(k, String(v));
  const p = document.createElementNS(NS, 'path');
  p.setAttribute('d', d);
  p.setAttribute('fill', '#000');
  svg.append(bg, p);
  return svg;
}
