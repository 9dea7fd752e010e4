#!/usr/bin/env python3
"""Content-defined cutters compared on the two properties issue 12 asks for together: blocks that fill to at least
75% of maxRecords, and one record inserted in the middle changing at most 3 blocks. A simulation (hashes of the
record ids, maxRecords 50, no byte limit), not tradu's cutter: it ranks designs before one is built in Swift.

    python3 bench/cutter_tradeoffs.py [--records 20000] [--step 23] [--online]

--online compares designs that can cut a stream as it arrives (what appending re-cutting only the last block needs):
anchors that look a few records ahead, and FastCDC's normalised chunking at several settings.

Each line: the scheme, the average fill, and how many insertion positions changed 1, 2, 3, ... blocks.
"""
import argparse
import hashlib

LIMIT = 50


def record_hash(record):
    return int.from_bytes(hashlib.blake2b(str(record).encode(), digest_size=8).digest(), "big") / 2**64


class Cutters:
    def __init__(self):
        self.hashes = {}

    def h(self, record):
        if record not in self.hashes:
            self.hashes[record] = record_hash(record)
        return self.hashes[record]

    def minimum_then_threshold(self, records, minimum, expected):
        """tradu's version 2 (FastCDC's minimum size): no boundary before `minimum` records, then one wherever the
        hash is below 1/expected, else at the limit. Each block's end depends on where it began."""
        blocks, start = [], 0
        while start < len(records):
            end = next((i for i in range(start + minimum - 1, min(len(records), start + LIMIT))
                        if self.h(records[i]) < 1 / expected), None)
            if end is None:
                end = min(len(records), start + LIMIT) - 1
            blocks.append(tuple(records[start:end + 1]))
            start = end + 1
        return blocks

    def smallest_in_window(self, records, minimum):
        """Each block ends at the smallest hash between `minimum` records and the limit."""
        blocks, start = [], 0
        while start < len(records):
            low, high = start + minimum - 1, min(len(records), start + LIMIT)
            end = len(records) - 1 if low >= high else min(range(low, high), key=lambda i: self.h(records[i]))
            blocks.append(tuple(records[start:end + 1]))
            start = end + 1
        return blocks

    def anchors(self, records, radius, split):
        """Anchors are records whose hash is the smallest within `radius` on both sides (they do not depend on
        where a block began); the records between two anchors are cut into as few blocks as the limit allows,
        evenly or at the smallest hashes. An anchor near the end depends on records not yet appended."""
        values = [self.h(r) for r in records]
        anchors = [i for i in range(len(values))
                   if all(values[j] > values[i] for j in range(max(0, i - radius), min(len(values), i + radius + 1))
                          if j != i)]
        blocks, start = [], 0
        for end in anchors + [len(records) - 1]:
            if end < start:
                continue
            length = end - start + 1
            pieces = -(-length // LIMIT)
            cuts, previous = [], start - 1
            for piece in range(1, pieces):
                if split == "even":
                    cut = start + (length * piece) // pieces - 1
                else:
                    low = max(previous + 1, end - (pieces - piece) * LIMIT)
                    high = min(previous + LIMIT, end - (pieces - piece))
                    cut = min(range(low, high + 1), key=lambda i: values[i])
                cuts.append(cut)
                previous = cut
            position = start
            for cut in cuts + [end]:
                blocks.append(tuple(records[position:cut + 1]))
                position = cut + 1
            start = end + 1
        return blocks


    def online_anchors(self, records, radius, ahead, minimum, forced_minimum):
        """Online: a record is an anchor when its hash is the smallest of the `radius` records before it and the
        `ahead` after it; a block ends at an anchor once it holds `minimum` records. A block that reaches the limit
        ends at the smallest hash from `forced_minimum` records on, among the records already read."""
        values = [self.h(r) for r in records]
        blocks, start = [], 0
        for t in range(len(values)):
            c = t - ahead
            if c >= start and c - start + 1 >= minimum and c - radius >= 0:
                if all(values[c] < values[j] for j in range(c - radius, t + 1) if j != c):
                    blocks.append(tuple(records[start:c + 1]))
                    start = c + 1
            if t - start + 1 >= LIMIT:
                end = min(range(start + forced_minimum - 1, t + 1), key=lambda i: values[i])
                blocks.append(tuple(records[start:end + 1]))
                start = end + 1
        if start < len(records):
            blocks.append(tuple(records[start:]))
        return blocks

    def normalised(self, records, minimum, middle, strict, loose):
        """FastCDC's normalised chunking: no boundary before `minimum`, a rarer one (1/strict) until `middle`, a more
        frequent one (1/loose) after, the limit at the end."""
        blocks, start = [], 0
        for t in range(len(records)):
            length = t - start + 1
            if length >= LIMIT or (length >= minimum and self.h(records[t]) < 1 / (strict if length < middle else loose)):
                blocks.append(tuple(records[start:t + 1]))
                start = t + 1
        if start < len(records):
            blocks.append(tuple(records[start:]))
        return blocks


def measure(cut, count, step):
    corpus = list(range(count))
    before = cut(corpus)
    known = set(before)
    fill = sum(len(b) for b in before) / len(before) / LIMIT
    changed = {}
    positions = range(1000, count - 1000, step)
    for position in positions:
        after = cut(corpus[:position] + [f"x{position}"] + corpus[position:])
        n = sum(1 for block in after if block not in known)
        changed[n] = changed.get(n, 0) + 1
    over = sum(v for k, v in changed.items() if k > 3)
    return fill, sorted(changed.items()), over, len(positions)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--step", type=int, default=23)
    parser.add_argument("--online", action="store_true")
    arguments = parser.parse_args()
    cutters = Cutters()
    online = [
        ("online anchors 40/8 ahead, min 30", lambda r: cutters.online_anchors(r, 40, 8, 30, 30)),
        ("online anchors 45/8 ahead, min 12", lambda r: cutters.online_anchors(r, 45, 8, 12, 30)),
        ("online anchors 50/15 ahead, min 20", lambda r: cutters.online_anchors(r, 50, 15, 20, 35)),
        ("online anchors 30/10 ahead, min 25", lambda r: cutters.online_anchors(r, 30, 10, 25, 30)),
        ("normalised 30, 42, 1/15 then 1/5", lambda r: cutters.normalised(r, 30, 42, 15, 5)),
        ("normalised 25, 42, 1/30 then 1/4", lambda r: cutters.normalised(r, 25, 42, 30, 4)),
        ("normalised 33, 38, 1/15 then 1/5", lambda r: cutters.normalised(r, 33, 38, 15, 5)),
    ]
    schemes = online if arguments.online else [
        ("minimum 33, then 1/7.5 (version 2)", lambda r: cutters.minimum_then_threshold(r, 33, 7.5)),
        ("smallest hash in [25, 50]", lambda r: cutters.smallest_in_window(r, 25)),
        ("anchors radius 30, even", lambda r: cutters.anchors(r, 30, "even")),
        ("anchors radius 30, smallest", lambda r: cutters.anchors(r, 30, "smallest")),
        ("anchors radius 40, even", lambda r: cutters.anchors(r, 40, "even")),
        ("anchors radius 60, smallest", lambda r: cutters.anchors(r, 60, "smallest")),
    ]
    for name, cut in schemes:
        fill, changed, over, positions = measure(cut, arguments.records, arguments.step)
        print(f"{name:38} fill {fill:.1%}  >3 blocks at {over} of {positions} positions  {changed}", flush=True)


if __name__ == "__main__":
    main()
