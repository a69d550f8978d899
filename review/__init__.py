"""The stewards' review app: FastAPI with server-rendered pages, its accounts and sessions."""
