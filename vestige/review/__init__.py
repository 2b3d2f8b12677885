"""Reviewing evidence: an artifact opened in the system viewer, captures replayed in the browser.

``artifacts`` picks an exhibit's artifact and copies it out of the store under a name with the right
extension; ``viewer`` hands a file or URL to the system viewer; ``replay`` packs captures as a WACZ and
serves it with ReplayWeb.page (``replaywebpage`` finds its files) on 127.0.0.1.
"""
