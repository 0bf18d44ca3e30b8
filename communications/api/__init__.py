"""The communications API (staff endpoints; partner keys read nothing personal here)."""
