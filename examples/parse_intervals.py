def parse_intervals(text):
    """Parse "1-3, 5, 7-9" into a sorted list of (start, end) pairs, merging overlaps."""
    intervals = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part:
                start, end = (int(x) for x in part.split("-", 1))
            else:
                start = end = int(part)
        except ValueError:
            raise ValueError(f"bad interval: {part!r}") from None
        intervals.append((min(start, end), max(start, end)))
    intervals.sort()
    merged = []
    for start, end in intervals:
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
