# The image the README's Kubernetes CronJob runs: `docker build -t registry.example.com/rotation-chaser:0.1.0 .`
# Two stages, so the compiler and dev dependencies never reach the image that runs.

FROM node:20-alpine AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would compile before src/ is here; it is run explicitly below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npx tsc -p tsconfig.json

FROM node:20-alpine
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# No dependency has an install script; `prepare` needs the compiler, which is not here.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY sql ./sql
COPY schema ./schema
COPY chaser.config.example.json ./
COPY --from=build /app/dist ./dist
# The image's unprivileged `node` user, by number so Kubernetes' runAsNonRoot can verify it.
# chaser writes nothing to disk, so the root filesystem can be read-only.
USER 1000:1000
ENTRYPOINT ["node", "/app/bin/chaser.js"]
CMD ["--help"]
