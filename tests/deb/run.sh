#!/usr/bin/env bash
# tests/deb/run.sh DEB - the Debian package checked without installing it on this system: its
# control files (conffile, maintainer scripts, the unit's sandbox score), then its files
# unpacked with dpkg-deb -x into a temporary root and the packaged binary started from there
# with the shipped configuration (paths pointed into the root) under the kernel's
# memory-deny-write-execute (as MemoryDenyWriteExecute= does): /healthz, a nearby answer
# checked against the database, the web app found by the default --web-root, the man pages.
# Run by `make deb-test` (not by make test: `make deb` takes minutes).
set -u
deb=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh" # YZ_LOGS: a temporary folder, removed at exit
tmp=$YZ_LOGS
root=$tmp/root
ctl=$tmp/control
pass=0
fail=0
check() { # description, then a command that must succeed
    local what=$1
    shift
    if "$@" >"$tmp/out" 2>&1; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $what"
        head -20 "$tmp/out"
    fi
}
start=$(date +%s)

check "dpkg-deb -x" dpkg-deb -x "$deb" "$root"
check "dpkg-deb -e" dpkg-deb -e "$deb" "$ctl"
check "package name, version and architecture" sh -c "dpkg-deb -f '$deb' Package Version Architecture | tr '\n' ' ' | grep -qx 'Package: yizhan Version: $(dpkg-parsechangelog -l "$here/../../debian/changelog" -S Version) Architecture: $(dpkg-architecture -qDEB_HOST_ARCH) '"
check "depends on the libraries and adduser" sh -c "dpkg-deb -f '$deb' Depends | grep -q 'libmicrohttpd12.*adduser'"

# The files.
for f in usr/bin/yizhan usr/share/yizhan/web/index.html etc/yizhan/yizhan.conf \
    lib/systemd/system/yizhan.service usr/share/man/man1/yizhan.1.gz \
    usr/share/man/man5/yizhan.conf.5.gz usr/share/doc/yizhan/copyright; do
    check "the package has /$f" test -s "$root/$f"
done
check "/var/lib/yizhan is in the package" test -d "$root/var/lib/yizhan"
check "/usr/bin/yizhan is executable" test -x "$root/usr/bin/yizhan"
check "every library of the binary is found" sh -c "ldd '$root/usr/bin/yizhan' >'$tmp/ldd' && ! grep -q 'not found' '$tmp/ldd'"
check "the binary is a release build (not sanitized)" sh -c "! grep -q libasan '$tmp/ldd'"
check "the shipped config is docs/deploy/yizhan.conf" cmp "$root/etc/yizhan/yizhan.conf" "$here/../../docs/deploy/yizhan.conf"
check "man -l yizhan(1)" sh -c "MANWIDTH=80 man -l '$root/usr/share/man/man1/yizhan.1.gz' | grep -q 'yizhan - rest stations'"
check "man -l yizhan.conf(5)" sh -c "MANWIDTH=80 man -l '$root/usr/share/man/man5/yizhan.conf.5.gz' | grep -q 'yizhan.conf - configuration file'"
check "yizhan.conf(5) has every key of the shipped file" sh -c "
    man -l '$root/usr/share/man/man5/yizhan.conf.5.gz' 2>/dev/null | col -b >'$tmp/conf5'
    for k in \$(grep -Eo '^#?[a-z_0-9]+ =' '$root/etc/yizhan/yizhan.conf' | tr -d '#= '); do
        grep -Eq \"^ {7}\$k( |\\\$)\" '$tmp/conf5' || { echo \"missing: \$k\"; exit 1; }
    done"

# The control files: the conffile, the user and state folder, the unit enabled.
check "conffiles: /etc/yizhan/yizhan.conf" grep -qx /etc/yizhan/yizhan.conf "$ctl/conffiles"
check "postinst parses" sh -n "$ctl/postinst"
check "postinst creates the system user" grep -q "adduser --system --group --home /var/lib/yizhan" "$ctl/postinst"
check "postinst gives /var/lib/yizhan to it" grep -q "chown yizhan:yizhan /var/lib/yizhan" "$ctl/postinst"
check "postinst enables the unit" grep -q "deb-systemd-helper.*enable.*yizhan.service" "$ctl/postinst"
unit=$root/lib/systemd/system/yizhan.service
check "the unit starts the packaged binary on the shipped config" grep -qx "ExecStart=/usr/bin/yizhan serve --config /etc/yizhan/yizhan.conf" "$unit"
score=$(systemd-analyze security --offline=yes "$unit" 2>/dev/null | sed -n 's/.*Overall exposure level for yizhan.service: \([0-9.]*\).*/\1/p')
echo "deb: systemd-analyze security exposure $score"
check "systemd-analyze security: exposure <= 2.0 (got '$score')" awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.0) }'

# Start it from the unpacked root, as the unit would: the shipped config with its paths in the
# root, the working folder the state folder (so no build/web of a checkout is found), no
# --web-root (the default must find /usr/share/yizhan/web beside /usr/bin), and W+X memory
# refused (prctl PR_SET_MDWE), as MemoryDenyWriteExecute=yes does, with the unit's environment.
state=$root/var/lib/yizhan
db=$state/yizhan.db
sed "s|/var/lib/yizhan|$state|" "$root/etc/yizhan/yizhan.conf" >"$tmp/yizhan.conf"
check "the config points into the root" grep -qx "db = $db" "$tmp/yizhan.conf"
cat >"$tmp/mdwe" <<'PY'
#!/usr/bin/env python3
# mdwe PROGRAM ARGS...: run PROGRAM with writable+executable memory refused (PR_SET_MDWE).
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(65, 1, 0, 0, 0) != 0:  # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN
    sys.exit("mdwe: prctl: " + os.strerror(ctypes.get_errno()))
os.execv(sys.argv[1], sys.argv[1:])
PY
chmod +x "$tmp/mdwe"
printf '#!/bin/sh\nexec %s %s "$@"\n' "$tmp/mdwe" "$root/usr/bin/yizhan" >"$tmp/yizhan"
chmod +x "$tmp/yizhan"
eval "$(sed -n 's/^Environment=//p' "$unit")" # VIPS_NOVECTOR=1
export VIPS_NOVECTOR
G=$here/../../build/tools/photogen # a test image made with libvips
[ -x "$G" ] || make -s -C "$here/../.." build/tools/photogen >/dev/null || exit 1
"$G" jpeg 800 600 "$tmp/p.jpg" --orientation 6 --seed 1
cd "$state" || yz_fail "no /var/lib/yizhan to start in ($fail checks failed before)"
YZ_BIN=$tmp/yizhan
export YIZHAN_ADMIN_TOKEN=deb-test-token-$$ YIZHAN_PWHASH=min # as from /etc/yizhan/yizhan.env
check "demo into the packaged state folder" "$YZ_BIN" demo --db "$db"
yz_serve deb "$db" --config "$tmp/yizhan.conf"
check "served under MDWE" grep -q "yizhan: serving $db on" "$YZ_LOGS/deb.log"
check "/healthz" curl -sf -o "$tmp/health" "$YZ_URL/healthz"
read -r id lat lon <<<"$(sqlite3 -separator ' ' "$db" "SELECT id, lat, lon FROM stations WHERE status = 'open' ORDER BY id LIMIT 1")"
check "nearby" curl -sf -o "$tmp/nearby.json" "$YZ_URL/api/v1/stations/nearby?lat=$lat&lon=$lon&k=3"
check "nearby: the station at the point among the first, 0 m away" jq -e "(.stations | length) == 3 and .stations[0].distance_m < 1 and any(.stations[]; .id == $id and .distance_m < 1)" "$tmp/nearby.json"
check "the web app from /usr/share/yizhan/web" sh -c "curl -sf '$YZ_URL/' | cmp - '$root/usr/share/yizhan/web/index.html'"
check "a QR code (libqrencode, libpng) under MDWE" sh -c "curl -sf '$YZ_URL/api/v1/stations/$id/qr.png' | head -c 8 | od -An -tx1 | grep -q '89 50 4e 47'"
check "a photo re-encoded by libvips under MDWE" sh -c "curl -sf -H 'Authorization: Bearer $YIZHAN_ADMIN_TOKEN' -H 'Content-Type: image/jpeg' --data-binary '@$tmp/p.jpg' '$YZ_URL/api/v1/photos?station=$id' >'$tmp/photo.json' && jq -e '.width == 600 and .height == 800' '$tmp/photo.json'"
thumb() { # the photo's thumbnail (pending: staff only) must be a JPEG, both files in the state folder
    curl -sf -H "Authorization: Bearer $YIZHAN_ADMIN_TOKEN" "$YZ_URL$(jq -r .thumb_url "$tmp/photo.json")" |
        head -c 3 | od -An -tx1 | grep -q 'ff d8 ff' && [ "$(find "$state/photos" -type f | wc -l)" = 2 ]
}
check "its thumbnail served, both files in the state folder" thumb
check "the server stops cleanly" yz_stop "$YZ_PID"
check "no error logged" sh -c "! grep -Ei ' error |mdwe|write.exec' '$YZ_LOGS/deb.log'"

echo "deb cases: $pass passed, $fail failed ($(($(date +%s) - start)) s; $(du -k "$deb" | cut -f1) KiB)"
[ $fail = 0 ]
