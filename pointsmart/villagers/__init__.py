"""Pages for villagers: a household's own points, history, rank and goods, on a phone."""
