"""The web application: the patient page with its chat proxy, and the staff review app."""
