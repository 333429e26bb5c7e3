#!/usr/bin/env python3
"""Synthetic child records of A Lưới and Nam Đông with known truth, for `chungtay dedupe`.

    python3 scripts/gen_dedupe_data.py --records 100000 --seed 1 --out /tmp/vn100k
    -> /tmp/vn100k.csv        (record_id,source,full_name,birth_date,sex,commune_code,village,guardian_name,personal_id)
       /tmp/vn100k.truth.csv  (record_id,entity_id)

Stdlib only, deterministic for a given seed. The data are entirely invented.

Entities (children) belong to families (guardian, commune, village, ethnic group); families have
1-4 children, 3 % of families have twins (same birth date, same guardian, different given names).
Name pools follow A Lưới (Pa Cô / Tà Ôi: over 40 % carry the surname Hồ; given-name prefixes A, Kăn)
and Nam Đông (Cơ Tu clan names Pơloong, A Lăng, Zơ Râm, Bh'riu, Clâu …), plus Kinh names. Common
names repeat, so namesakes (same name, different family) are frequent.

Each child gets 1-5 records (45/30/17/6/2 %) from school, health_station, womens_union, commune,
with the corruptions of perf-anchors.md §A.4 plus the spelling and spacing variants of
ethnic-minority names (A Rất/Arất, Pơ Loong/Pơloong, Kăn/Căn/Kan, Zơ Râm/Dơ Râm, Bh'riu/Bh’riu).
"""
import argparse
import csv
import random
import unicodedata

KINH_FAMILY = [("Nguyễn", 30), ("Trần", 8), ("Lê", 8), ("Phan", 4), ("Hoàng", 4), ("Huỳnh", 3),
               ("Võ", 4), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Ngô", 2), ("Dương", 1), ("Trương", 2)]
KINH_MIDDLE_M = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Thanh"]
KINH_MIDDLE_F = ["Thị", "Ngọc", "Thanh", "Thu", "Kim", "Mỹ"]
KINH_GIVEN_M_EXTRA = ["Bảo", "Cường", "Duy", "Giang", "Hải", "Hiếu", "Hưng", "Kiên", "Lâm", "Mạnh",
                      "Nghĩa", "Nhân", "Phong", "Quang", "Sang", "Sơn", "Tâm", "Thắng", "Thành",
                      "Thiện", "Toàn", "Trung", "Tú", "Tùng", "Việt", "Vũ", "Hậu", "Khang", "Kiệt",
                      "Lợi", "Luân", "Ngọc", "Nhật", "Pháp", "Quý", "Tín", "Triều", "Văn", "Vỹ", "Xuân"]
KINH_GIVEN_F_EXTRA = ["Anh", "Châu", "Chi", "Diệp", "Dung", "Giang", "Hằng", "Hiền", "Huyền", "Lệ",
                      "Liên", "Ly", "Mơ", "My", "Nga", "Nguyệt", "Nhung", "Phương", "Quyên", "Sương",
                      "Tâm", "Thanh", "Thoa", "Thương", "Tiên", "Trâm", "Trinh", "Tuyết", "Vân", "Xuân",
                      "Duyên", "Hồng", "Khánh", "Lụa", "Mận", "Ngà", "Phượng", "Thùy", "Tú", "Yên"]
# Ethnic-minority given names are built like real Pa Cô / Tà Ôi / Cơ Tu names: an optional
# personal prefix (A, Kăn, Ka, Pơ) and one or two syllables; this gives the long tail of names.
ETHNIC_SYLL = ["Rất", "Vai", "Sáu", "Lịch", "Pi", "Cư", "Thía", "Bốc", "Lơi", "Ghếch", "Prăng",
               "Hiên", "Dinh", "Xon", "Đạp", "Rôi", "Kray", "Ríu", "Xoong", "Nhi", "Pơi", "Blăng",
               "Ăm", "Mây", "Tía", "Ráo", "Dứt", "Đin", "Pỉ", "Rinh", "Lũy", "Vin", "Bươi", "Nga",
               "Lai", "Quế", "Prinh", "Chăm", "Crông", "Hoan", "Lực", "Tư", "Bhơ", "Zuối", "Ngol",
               "Pêu", "Xô", "Rớt", "Ní", "Biếc", "Ghép", "Pia", "Ưng", "Thoa", "Chi", "Rôn", "Prao",
               "Đơn", "Tiên", "Hơn", "Chương", "Ú", "Nhị", "Ka", "Bloong", "Ting", "Plênh", "Xiêm",
               "Pâr", "Lêêng", "Hoih", "Ađắc", "Bríu", "Ating", "Coor", "Hiếp", "Dốt", "Pring"]
ETHNIC_PREFIX = [("", 60), ("A ", 18), ("Kăn ", 10), ("Ka ", 6), ("Pơ ", 3), ("Zơ ", 3)]


def ethnic_given(rng):
    g = weighted(rng, ETHNIC_PREFIX) + rng.choice(ETHNIC_SYLL)
    if rng.random() < 0.1:
        g += " " + rng.choice(ETHNIC_SYLL)
    return g


KINH_GIVEN_M = ["Hòa", "Nam", "Hùng", "Dũng", "Khoa", "Tuấn", "Bình", "An", "Huy", "Phúc", "Long",
                "Quân", "Thịnh", "Tài", "Lộc", "Khánh", "Trí", "Đạt", "Vinh", "Hoàng", "Nguyên", "Thủy"]
KINH_GIVEN_F = ["Hoa", "Hòa", "Thủy", "Quỳnh", "Lan", "Mai", "Hương", "Linh", "Trang", "Yến", "Vy",
                "Ngân", "Nhi", "Thảo", "Hà", "Hạnh", "Thúy", "Loan", "Uyên", "Khuê", "Ánh", "Oanh"]
# A Lưới (Pa Cô, Tà Ôi, Bru–Vân Kiều)
AL_FAMILY = [("Hồ", 62), ("Kăn", 6), ("Pả", 3), ("Lê", 6), ("Nguyễn", 5), ("Quỳnh", 3), ("Arâl", 2),
             ("Tơ", 2), ("Blúi", 2), ("Căn", 2), ("Kê", 2), ("Pata", 2), ("Prung", 3)]
AL_GIVEN_M = ["A Rất", "A Vai", "A Sáu", "Kăn Lịch", "Vai", "Rất", "Pi", "Cư", "Thía", "Bốc",
              "Lơi", "Ghếch", "Prăng", "Hiên", "Tơ", "Dinh", "Quỳnh", "Xon", "Đạp", "Ka Rôi",
              "Hoa", "Nhâm", "Bình", "Chiến", "Kray", "Anh", "Hạnh", "Phước", "Ríu", "Axoong"]
AL_GIVEN_F = ["A Nhi", "Kăn Hoa", "Hoa", "Hòa", "Thủy", "Ngân", "Pơi", "Blăng", "Ăm", "Mây",
              "Xuân", "Quỳnh", "Lê", "Tía", "Nga", "Ráo", "Ka Dứt", "Hương", "Lan", "Kăn Mai",
              "A Đin", "Pỉ", "Rinh", "Lũy", "Thúy", "Vin", "Bươi", "Hiền", "Kim", "Loan"]
# Nam Đông (Cơ Tu)
ND_FAMILY = [("Pơ Loong", 12), ("A Lăng", 12), ("Zơ Râm", 8), ("Bh'riu", 6), ("Clâu", 6), ("Hồ", 10),
             ("Nguyễn", 8), ("Trần", 4), ("Lê", 6), ("Riêh", 5), ("Palăng", 5), ("Cơ Lâu", 4),
             ("Bhling", 4), ("Coor", 3), ("Tơ Ngôl", 3)]
ND_GIVEN_M = ["Bình", "Rôn", "Xuân", "Ngân", "Prao", "Bhơ", "Lợi", "Hiên", "Đức", "Hùng", "Nam",
              "Ú", "Tiên", "Đơn", "Bốc", "Pêu", "Xô", "Rớt", "Hơn", "Zơ Rinh", "Chương", "Linh"]
ND_GIVEN_F = ["San U", "Hương", "Thanh Hương", "Bhalêê", "Lan", "Ghép", "Hoa", "Hòa", "Thủy",
              "Mai", "Hạnh", "Nhị", "Chi", "Biếc", "Ní", "Thoa", "Ưng", "Zuối", "Thị Xuân", "Pia"]
AL_COMMUNES = ["20044", "20047", "20050", "20053", "20056", "20059", "20062", "20065", "20068",
               "20071", "20074", "20077", "20080", "20083", "20086", "20089", "20092", "20095",
               "20098", "20101", "20104"]
ND_COMMUNES = ["20161", "20164", "20167", "20170", "20173", "20176", "20179", "20182", "20185",
               "20188", "20191"]
# Phong Điền (476), Hương Trà (480), Phú Lộc (482): mostly Kinh families; used so that larger
# files spread over more communes instead of packing ever more namesakes into 32 communes.
OTHER_COMMUNES = [str(c) for c in list(range(19819, 19865, 3)) + list(range(19996, 20042, 3))
                  + list(range(20107, 20159, 3))]
OTHER_VILLAGES = ["Thôn 1", "Thôn 2", "Thôn 3", "Thôn 4", "Thôn 5", "Thôn 6", "Thôn 7", "Thôn 8",
                  "Thôn Đông", "Thôn Tây", "Thôn Trung", "Thôn Bắc"]
AL_VILLAGES = ["Thôn 1", "Thôn 2", "Thôn 3", "Thôn 4", "Thôn 5", "A Ho", "Pa Ring", "Kăn Sâm",
               "Ta Ay", "Hợp Thượng", "Ka Vá", "A Tía", "Pa E"]
ND_VILLAGES = ["A Chiếu", "A Prung", "A Gôn", "Ga Hin", "Dỗi", "A Tin", "A Xách", "Thôn 1",
               "Thôn 2", "Thôn 3", "Ka Nôn", "Pa Ay"]
SOURCES = [("school", 0.5), ("health_station", 0.7), ("womens_union", 0.3), ("commune", 0.4)]
ADULT_GIVEN = ["Pả", "Căn", "Vai", "Nhâm", "Thanh", "Hương", "Lan", "Bình", "Xuân", "Hùng", "Dũng",
               "Mai", "Loan", "Ra", "Kray", "Pi", "Ngân", "Cư", "Hoa", "Thúy", "Tiên", "Rôn",
               "Hiên", "Anh", "Bốc", "Ghép", "Ăm", "Thía", "Dinh", "Sơn", "Hà", "Đức", "Tài",
               "Lợi", "Nam", "Quỳnh", "Phước", "Hải", "Lực", "Khánh", "Hiền", "Thơm"]

TONE_SWAP = {"òa": "oà", "óa": "oá", "ỏa": "oả", "õa": "oã", "ọa": "oạ", "ùy": "uỳ", "úy": "uý",
             "ủy": "uỷ", "ũy": "uỹ", "ụy": "uỵ", "òe": "oè", "óe": "oé"}


def weighted(rng, items):
    total = sum(w for _, w in items)
    x = rng.random() * total
    for v, w in items:
        x -= w
        if x < 0:
            return v
    return items[-1][0]


def strip_accents(s):
    s = unicodedata.normalize("NFD", s).replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFC", "".join(c for c in s if unicodedata.category(c) != "Mn"))


def ethnic_variant(rng, name):
    """Spelling/spacing variants of ethnic-minority names, as different agencies write them."""
    r = rng.random()
    if r < 0.25:
        name = name.replace("A ", "A", 1) if " A " in f" {name} " and rng.random() < 0.5 else name
        for a, b in (("Pơ Loong", "Pơloong"), ("A Lăng", "Alăng"), ("Zơ Râm", "Zơrâm"),
                     ("Cơ Lâu", "Cơlâu"), ("Tơ Ngôl", "Tơngôl"), ("Ka Rôi", "Karôi"),
                     ("Ka Dứt", "Kadứt"), ("Zơ Rinh", "Zơrinh"), ("A Rất", "Arất")):
            name = name.replace(a, b)
    elif r < 0.45:
        for a, b in (("Kăn", rng.choice(["Căn", "Kan"])), ("Zơ", "Dơ"), ("Bh'riu", "Bh’riu"),
                     ("Bhalêê", "Bhalê"), ("Pơloong", "Pơ Loong"), ("Clâu", "Cơlâu"), ("Mỹ", "Mĩ")):
            name = name.replace(a, b)
    return name


def typo(rng, s):
    if len(s) < 3:
        return s
    i = rng.randrange(len(s))
    if s[i] == " ":
        return s
    op = rng.random()
    letters = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
    if op < 0.4:
        return s[:i] + rng.choice(letters) + s[i + 1:]
    if op < 0.6:
        return s[:i] + s[i + 1:]
    if op < 0.8:
        return s[:i] + rng.choice(letters) + s[i:]
    if i + 1 < len(s) and s[i + 1] != " ":
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    return s


def corrupt_name(rng, fam, mid, given, strength=1.0):
    """fam/mid/given are strings (mid may be empty). Returns a written full name."""
    parts = [fam] + ([mid] if mid else []) + [given]
    if mid and rng.random() < 0.10 * strength:
        parts = [fam, given]
    if rng.random() < 0.05 * strength:
        parts = parts[-1:] + parts[:-1]  # given name first
    s = " ".join(parts)
    s = ethnic_variant(rng, s)
    if rng.random() < 0.20:
        for a, b in TONE_SWAP.items():
            s = s.replace(a, b)
    if rng.random() < 0.08 * strength:
        s = strip_accents(s)
    if rng.random() < 0.08 * strength:
        s = typo(rng, s)
    if rng.random() < 0.15:
        s = s.upper()
    if rng.random() < 0.05:
        s = s.replace(" ", "  ", 1)
    if rng.random() < 0.30:
        s = unicodedata.normalize("NFD", s)
    return s


def fmt_date(rng, y, m, d):
    r = rng.random()
    if r < 0.05:
        return ""
    if r < 0.15:
        return f"{y}"
    if r < 0.20:
        return f"{m:02d}/{y}"
    if r < 0.25:  # day/month swapped (when possible)
        if d <= 12:
            m, d = d, m
    elif r < 0.28:  # one day off
        d = max(1, min(28, d + rng.choice([-1, 1])))
    elif r < 0.30:  # year off by one
        y += rng.choice([-1, 1])
    f = rng.random()
    if f < 0.6:
        return f"{d:02d}/{m:02d}/{y}"
    if f < 0.75:
        return f"{d}/{m}/{y}"
    if f < 0.92:
        return f"{y}-{m:02d}-{d:02d}"
    return f"{d:02d}/{m:02d}/{y % 100:02d}"


def make_pid(rng, sex, year):
    century = (year - 1900) // 100
    return f"046{century * 2 + (1 if sex == 'F' else 0)}{year % 100:02d}{rng.randrange(10**6):06d}"


def pid_typo(rng, pid):
    i = rng.randrange(6, 12)
    return pid[:i] + str((int(pid[i]) + rng.randrange(1, 10)) % 10) + pid[i + 1:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True, help="output prefix")
    ap.add_argument("--share-al", type=float, default=None,
                    help="share of families in A Lưới (default: 0.6 up to 150k records, else 0.35)")
    ap.add_argument("--share-nd", type=float, default=None,
                    help="share in Nam Đông (default 0.4 / 0.25); the rest live in Phong Điền, Hương Trà, Phú Lộc")
    a = ap.parse_args()
    big = a.records > 150_000
    if a.share_al is None:
        a.share_al = 0.35 if big else 0.6
    if a.share_nd is None:
        a.share_nd = 0.25 if big else 0.4
    rng = random.Random(a.seed)
    rows, truth = [], []
    entity = 0
    while len(rows) < a.records:
        # a family
        x = rng.random()
        region = "AL" if x < a.share_al else ("ND" if x < a.share_al + a.share_nd else "OT")
        kinh = rng.random() < (0.85 if region == "OT" else 0.2)
        if kinh:
            fam = weighted(rng, KINH_FAMILY)
        elif region in ("AL", "OT"):
            fam = weighted(rng, AL_FAMILY)
        else:
            fam = weighted(rng, ND_FAMILY)
        commune = rng.choice({"AL": AL_COMMUNES, "ND": ND_COMMUNES, "OT": OTHER_COMMUNES}[region])
        village = rng.choice({"AL": AL_VILLAGES, "ND": ND_VILLAGES, "OT": OTHER_VILLAGES}[region])
        g_fam = fam if rng.random() < 0.7 else weighted(rng, ND_FAMILY if region == "ND" else AL_FAMILY)
        guardian = f"{g_fam} {rng.choice(['Văn', 'Thị', ''])} {rng.choice(ADULT_GIVEN)}".replace("  ", " ")
        other_guardian = f"{fam} {rng.choice(['Văn', 'Thị', ''])} {rng.choice(ADULT_GIVEN)}".replace("  ", " ")
        n_children = rng.choice([1, 1, 2, 2, 2, 3, 3, 4])
        twins = rng.random() < 0.03
        used = set()
        base_year = rng.randint(2008, 2022)
        for c in range(n_children + (1 if twins else 0)):
            sex = "M" if rng.random() < 0.5 else "F"
            if kinh:
                mid = rng.choice(KINH_MIDDLE_M if sex == "M" else KINH_MIDDLE_F)
                pool = KINH_GIVEN_M if sex == "M" else KINH_GIVEN_F
            elif region in ("AL", "OT"):
                mid = rng.choice(["Văn", "Văn", ""]) if sex == "M" else rng.choice(["Thị", "Thị", ""])
                pool = AL_GIVEN_M if sex == "M" else AL_GIVEN_F
            else:  # Nam Đông
                mid = "Văn" if sex == "M" and rng.random() < 0.6 else ("Thị" if sex == "F" and rng.random() < 0.7 else "")
                pool = ND_GIVEN_M if sex == "M" else ND_GIVEN_F
            def draw():
                if kinh or rng.random() < 0.35:
                    return rng.choice(pool + (KINH_GIVEN_M_EXTRA if sex == "M" else KINH_GIVEN_F_EXTRA))
                return ethnic_given(rng)
            given = draw()
            while given in used:
                given = draw()
            used.add(given)
            if twins and c == 1:
                y, m, d = prev_dob
            else:
                y = min(2024, base_year + 2 * c + rng.randint(0, 1))
                m, d = rng.randint(1, 12), rng.randint(1, 28)
            prev_dob = (y, m, d)
            pid = make_pid(rng, sex, y)
            entity += 1
            k = weighted(rng, [(1, 45), (2, 30), (3, 17), (4, 6), (5, 2)])
            srcs = rng.sample(SOURCES, min(k, len(SOURCES))) + [rng.choice(SOURCES) for _ in range(max(0, k - 4))]
            for src, p_pid in srcs:
                rid = f"R{rng.randrange(16**10):010x}"
                name = corrupt_name(rng, fam, mid, given)
                sx = "" if rng.random() < 0.1 else rng.choice({"M": ["Nam", "M", "nam"], "F": ["Nữ", "F", "NỮ"]}[sex])
                cm = "" if rng.random() < 0.05 else (rng.choice(AL_COMMUNES + ND_COMMUNES) if rng.random() < 0.05 else commune)
                vl = village if rng.random() < 0.6 else ""
                gr = rng.random()
                if gr < 0.15:
                    gname = ""
                else:
                    gname = other_guardian if gr < 0.25 else guardian
                    gname = corrupt_name(rng, *split3(gname), strength=0.5)
                pd = ""
                if rng.random() < p_pid:
                    pd = pid_typo(rng, pid) if rng.random() < 0.02 else pid
                rows.append([rid, src, name, fmt_date(rng, y, m, d), sx, cm, vl, gname, pd])
                truth.append((rid, entity))
    order = list(range(len(rows)))
    rng.shuffle(order)
    seen = set()
    with open(a.out + ".csv", "w", encoding="utf-8", newline="") as f, \
            open(a.out + ".truth.csv", "w", encoding="utf-8", newline="") as t:
        w, wt = csv.writer(f), csv.writer(t)
        w.writerow(["record_id", "source", "full_name", "birth_date", "sex", "commune_code", "village",
                    "guardian_name", "personal_id"])
        wt.writerow(["record_id", "entity_id"])
        for i in order:
            if rows[i][0] in seen:
                continue
            seen.add(rows[i][0])
            w.writerow(rows[i])
            wt.writerow(truth[i])
    print(f"records={len(seen)} entities={entity}")


def split3(name):
    p = name.split(" ")
    if len(p) >= 3:
        return p[0], " ".join(p[1:-1]), p[-1]
    return p[0], "", p[-1]


if __name__ == "__main__":
    main()
