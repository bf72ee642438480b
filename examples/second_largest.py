def second_largest(numbers):
    """Return the second largest distinct value in `numbers`, or None if there is none.

    >>> second_largest([3, 1, 4, 1, 5])
    4
    >>> second_largest([7, 7])
    """
    largest = second = None
    for n in numbers:
        if largest is None or n > largest:
            second = largest
            largest = n
        elif second is None or n > second:
            second = n
    return second
