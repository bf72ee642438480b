# ldb's HTTP service. Build: docker build -t ldb .   Run: docker run -p 8000:8000 ldb
FROM python:3.11-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/ldb
COPY pyproject.toml README.md ./
COPY ldb ./ldb
COPY api ./api
RUN pip install --no-cache-dir .

RUN useradd --system --create-home ldb
USER ldb
EXPOSE 8000
CMD ["uvicorn", "api:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000"]
