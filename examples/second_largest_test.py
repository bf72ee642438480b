assert second_largest([3, 1, 4, 1, 5]) == 4
assert second_largest([7, 7]) is None
assert second_largest([5, 5, 4]) == 4
assert second_largest([2, 9, 9, 1]) == 2
