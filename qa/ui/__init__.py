"""The web chat: safe HTML for answers and sources (html.py) and the Gradio page that wires it to
qa.api (app.py)."""
