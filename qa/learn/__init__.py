"""Learning how to choose answers: training examples read from question sets, the scorer trained on them, and the leave-one-year-out protocol that shows how it does on years it never saw."""
