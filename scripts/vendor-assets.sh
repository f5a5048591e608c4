#!/bin/sh
# Copy the browser libraries we serve from node_modules into pointsmart/static/vendor.
# Run `npm install` at the repository root first (package.json pins the versions); only the
# built files used here and their licences are committed. `npm run vendor` runs this.
set -eu
cd "$(dirname "$0")/.."
vendor=pointsmart/static/vendor

# jsQR, the camera's QR decoder: minified (terser), loaded only when the camera opens.
mkdir -p "$vendor/jsqr"
node_modules/.bin/terser node_modules/jsqr/dist/jsQR.js --compress --mangle --comments false \
  --output "$vendor/jsqr/jsQR.min.js"
cp node_modules/jsqr/LICENSE "$vendor/jsqr/LICENSE"

# Workbox, for the service worker: the production builds of the modules /sw.js imports.
mkdir -p "$vendor/workbox"
for module in core routing strategies expiration cacheable-response precaching; do
  cp "node_modules/workbox-$module/build/workbox-$module.prod.js" "$vendor/workbox/"
done
cp node_modules/workbox-core/LICENSE "$vendor/workbox/LICENSE"
