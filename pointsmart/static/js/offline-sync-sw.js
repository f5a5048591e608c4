/*
 * offline-sync-sw.js: the offline sales' part of the service worker (Background Sync), run
 * inside /sw.js after service-worker.js (webapp/views.py imports it when this file exists).
 * Owned by the offline sales' work; left empty until that lands.
 */
