# A first draft: Node and the app's dependencies. helm and skopeo arrive with the add-on issue.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json worker.ts ./
COPY src ./src
COPY tools/versions.env ./tools/versions.env
USER node
CMD ["node", "--import", "tsx", "worker.ts"]
