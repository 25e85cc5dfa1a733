"""Anonymous reports and leaving no trace.

``codes`` case codes; ``store`` sealed reports, links, audit; ``followup`` the
reporter's side (confirm, come back with the code); ``erase`` /torles;
``pdf`` the written report; ``api`` the operator JSON API; ``wire`` hooks it all
into the gateway app.
"""
