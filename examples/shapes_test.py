def check(candidate):
    assert candidate(Circle(12)) == "large circle (452.4)"
    assert candidate(Circle(1)) == "circle"
    assert candidate(Shape()) == "unknown"
