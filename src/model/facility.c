/* SPDX-License-Identifier: MIT */
/* model/facility.c - the seed list of facilities (code, labels, bit). */
#include "model/facility.h"

#include <string.h>

const yz_facility_seed yz_facility_seeds[] = {
    {"drinking_water", "饮用水", "飲用水", "Drinking water", 0},
    {"hot_water", "热水", "熱水", "Hot water", 1},
    {"microwave", "微波炉", "微波爐", "Microwave oven", 2},
    {"toilet", "卫生间", "衛生間", "Toilet", 3},
    {"air_conditioning", "空调", "空調", "Air conditioning", 4},
    {"heating", "取暖", "取暖", "Heating", 5},
    {"seating", "休息座椅", "休息座椅", "Seating", 6},
    {"phone_charging", "手机充电", "手機充電", "Phone charging", 7},
    {"ebike_charging", "电动车充电", "電動車充電", "E-bike charging", 8},
    {"battery_swap", "换电柜", "換電櫃", "Battery swap", 9},
    {"first_aid", "急救药箱", "急救藥箱", "First-aid kit", 10},
    {"aed", "AED 除颤仪", "AED 除顫儀", "AED defibrillator", 11},
    {"toolbox", "维修工具", "維修工具", "Repair toolbox", 12},
    {"fridge", "冰箱", "冰箱", "Fridge", 13},
    {"wifi", "无线网络", "無線網路", "Wi-Fi", 14},
    {"umbrella", "爱心雨伞", "愛心雨傘", "Umbrella lending", 15},
    {"locker", "储物柜", "儲物櫃", "Lockers", 16},
    {"reading", "阅读角", "閱讀角", "Reading corner", 17},
    {"accessible", "无障碍设施", "無障礙設施", "Step-free access", 18},
};
const size_t yz_facility_seed_count = sizeof yz_facility_seeds / sizeof yz_facility_seeds[0];

int yz_facility_seed_bit(const char *code)
{
    for (size_t i = 0; i < yz_facility_seed_count; i++)
        if (strcmp(yz_facility_seeds[i].code, code) == 0)
            return yz_facility_seeds[i].bit;
    return -1;
}
