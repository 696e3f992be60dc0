"""What a learner looks at: steppers (pure state that tests drive), plots and widgets (thin
views over a stepper; they compute no number). matplotlib and ipywidgets are imported by the
modules that draw, never by the layers below."""
