"""The one contract package every CITIZENinfo service installs; nothing here is copied into services."""
