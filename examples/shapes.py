import math


class Shape:
    def area(self):
        raise NotImplementedError


class Circle(Shape):
    def __init__(self, radius):
        self.radius = radius

    def area(self):
        return math.pi * self.radius**2


def describe(shape):
    match shape:
        case Circle(radius=r) if r > 10:
            return f"large circle ({shape.area():.1f})"
        case Circle():
            return "circle"
        case _:
            return "unknown"
