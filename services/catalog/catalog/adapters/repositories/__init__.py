"""SQL of catalog (SQLAlchemy Core) turned into domain objects, one module per aggregate."""
