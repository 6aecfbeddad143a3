"""Directions links a citizen's phone opens in its map app."""

from urllib.parse import urlencode


def directions_links(lat: float, lon: float, name: str) -> dict[str, str]:
    destination = f"{lat:.6f},{lon:.6f}"
    return {
        "google_maps": "https://www.google.com/maps/dir/?" + urlencode({"api": 1, "destination": destination}),
        "apple_maps": "https://maps.apple.com/?" + urlencode({"daddr": destination, "q": name}),
    }
