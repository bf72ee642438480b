def moving_average(values, width):
    """The mean of every run of `width` consecutive values, in order.

    >>> moving_average([1, 2, 3, 4], 2)
    [1.5, 2.5, 3.5]
    """
    averages = []
    for start in range(len(values) - width):
        window = values[start : start + width]
        averages.append(sum(window) / width)
    return averages
