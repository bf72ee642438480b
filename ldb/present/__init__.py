"""What people look at: the terminal rendering, the graph layout and the HTML viewer."""
