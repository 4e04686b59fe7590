"""The OpenAPI document as a product: building and serving it, security schemes, the write/check command."""
