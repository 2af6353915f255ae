#!/usr/bin/env python3
"""Generates festival-core/src/tzdata.bin (and tzdata.version): the time zone tables of chrono-tz in a compact form.

festival-core's calendars use chrono-tz (the IANA database compiled into Rust tables). Those tables
are ~0.9 MB in a .wasm (~170 KB gzipped: a third of the npm package). Built WITHOUT the default
cargo feature `chrono-tz`, the core reads this file instead (src/tzcompact.rs): the same transitions
and the same total UTC offsets of every zone, decoded by a port of chrono-tz's own lookup, so every
zone gives identical results (the test `tzcompact::tests` checks every zone at every transition
against chrono-tz). Only what calendars use is kept: names, transition instants and total offsets
(abbreviations and the standard/DST split are dropped).

Input: chrono-tz's generated source `src/prebuilt/timezones.rs` of the version in Cargo.lock
(found with `cargo metadata`, or pass its path). Run after updating chrono-tz:

    python3 festival-core/scripts/gen_tzdata.py [path/to/chrono-tz/src/prebuilt/timezones.rs]

Format (little endian; see tzcompact.rs):
    b"FCTZ1", u8 len + tzdb version (e.g. "2025b"),
    u16 names, u16 zones, u16 index of "UTC",
    names x (u32 offset of the name in the name blob, u8 length, u16 zone),
    the name blob,
    zones x u32 offset of the zone in the zone blob, then the zone blob; a zone is
    u8 offsets, offsets x i32 (total UTC offset, seconds), u8 index of the first span's offset,
    u16 transitions n, then (n > 0) i64 first transition (unix seconds),
    n x u8 offset index of the span starting there, (n - 1) x u32 seconds since the previous one.
"""
import json
import os
import re
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "src", "tzdata.bin")


def chrono_tz_dir():
    meta = json.loads(subprocess.check_output(
        ["cargo", "metadata", "--format-version", "1", "--manifest-path", os.path.join(HERE, "..", "Cargo.toml")]))
    pkgs = [p for p in meta["packages"] if p["name"] == "chrono-tz"]
    if len(pkgs) != 1:
        sys.exit(f"expected exactly one chrono-tz in cargo metadata, found {len(pkgs)}")
    return os.path.dirname(pkgs[0]["manifest_path"])


def main():
    if len(sys.argv) > 1:
        path = sys.argv[1]
        root = os.path.join(os.path.dirname(path), "..", "..")
    else:
        root = chrono_tz_dir()
        path = os.path.join(root, "src", "prebuilt", "timezones.rs")
    src = open(path, encoding="utf-8").read()
    version = re.search(r'IANA_TZDB_VERSION: &str = "([^"]+)"', src + open(os.path.join(root, "src", "prebuilt", "directory.rs"), encoding="utf-8").read())
    if not version:
        # chrono-tz 0.10 keeps the version next to the tables.
        sys.exit("IANA_TZDB_VERSION not found")
    version = version.group(1)

    variants = re.search(r"pub static TZ_VARIANTS: \[Tz; (\d+)\] = \[(.*?)\];", src, re.S)
    count, body = int(variants.group(1)), variants.group(2)
    order = re.findall(r"Tz::(\w+),", body)
    assert len(order) == count, (len(order), count)

    names = dict(re.findall(r"Tz::(\w+) => \"([^\"]+)\",", src[src.index("pub fn name(self)"):]))
    spans_src = src[src.index("fn timespans(&self)"):]
    zones = {}
    pat = re.compile(
        r"Tz::(\w+) => \{\s*const REST: &\[\(i64, FixedTimespan\)\] = &\[(.*?)\];\s*FixedTimespanSet \{\s*"
        r"first: FixedTimespan \{\s*utc_offset: (-?\d+),\s*dst_offset: (-?\d+),", re.S)
    span = re.compile(r"\((-?\d+), FixedTimespan \{ utc_offset: (-?\d+), dst_offset: (-?\d+), name: [^}]*\}\)")
    for m in pat.finditer(spans_src):
        var, rest, u, d = m.groups()
        items = span.findall(rest)
        # Every span of the table, none dropped or merged (the lookup must see the same spans).
        assert len(items) == rest.count("FixedTimespan {"), var
        zones[var] = (int(u) + int(d), [(int(t), int(a) + int(b)) for t, a, b in items])
    assert set(zones) == set(order) == set(names), "variants, names and tables disagree"
    # Tz::from_str binary-searches the names in this order.
    assert [names[v].encode() for v in order] == sorted(names[v].encode() for v in order), "names not sorted"

    # One table per distinct zone (links share one), in the order of first use.
    uniq, zone_of = {}, {}
    for var in order:
        key = (zones[var][0], tuple(zones[var][1]))
        zone_of[var] = uniq.setdefault(key, len(uniq))

    out = bytearray(b"FCTZ1")
    out += bytes([len(version)]) + version.encode()
    out += struct.pack("<HHH", len(order), len(uniq), order.index("UTC"))
    blob = bytearray()
    for var in order:
        n = names[var].encode()
        out += struct.pack("<IBH", len(blob), len(n), zone_of[var])
        blob += n
    out += blob
    zblob, zindex = bytearray(), []
    for (first, spans), _ in sorted(uniq.items(), key=lambda kv: kv[1]):
        zindex.append(len(zblob))
        table = sorted({first} | {o for _, o in spans})
        assert len(table) < 256 and len(spans) < 65536
        zblob += bytes([len(table)]) + b"".join(struct.pack("<i", o) for o in table)
        zblob += bytes([table.index(first)]) + struct.pack("<H", len(spans))
        if spans:
            zblob += struct.pack("<q", spans[0][0])
            zblob += bytes(table.index(o) for _, o in spans)
            for (a, _), (b, _) in zip(spans, spans[1:]):
                assert 0 < b - a < 2**32, "transitions must increase by less than 2^32 s"
                zblob += struct.pack("<I", b - a)
    out += b"".join(struct.pack("<I", z) for z in zindex) + zblob
    with open(OUT, "wb") as f:
        f.write(out)
    # The version as a Rust `include_str!` constant (no newline).
    with open(os.path.join(os.path.dirname(OUT), "tzdata.version"), "w", encoding="ascii") as f:
        f.write(version)
    print(f"{os.path.relpath(OUT)}: tzdb {version}, {len(order)} names, {len(uniq)} distinct zones, "
          f"{sum(len(s) for (_, s) in uniq)} transitions, {len(out)} bytes")


if __name__ == "__main__":
    main()
