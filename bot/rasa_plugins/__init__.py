"""Plug-ins loaded by the Rasa server itself (not by the action server or the web app)."""
