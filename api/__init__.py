"""The welfare-match HTTP API (FastAPI). ``api.app.create_app`` builds the application."""
