# Vigil: one image for both the API and the worker (the command decides which).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json openapi.yaml ./
COPY src/knowledge/data ./src/knowledge/data
COPY migrations ./migrations
COPY fhir-profiles ./fhir-profiles
COPY guidelines ./guidelines
COPY prompts ./prompts
USER node
EXPOSE 8080
CMD ["node", "dist/src/cli.js", "serve"]
