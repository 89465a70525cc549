"""Conversation logic, independent of Rasa: slots in, slot updates and bot messages out.

`actions/` adapts these functions to Rasa's tracker and events; nothing here imports Rasa.
"""
