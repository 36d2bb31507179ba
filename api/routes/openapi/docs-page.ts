import type { ObjectSchema } from '../../validation.js';

/** The files of `swagger-ui-dist` the docs page loads, with their media types. */
export const SWAGGER_UI_ASSETS = {
  'swagger-ui.css': 'text/css',
  'swagger-ui-bundle.js': 'application/javascript',
  'swagger-ui-standalone-preset.js': 'application/javascript',
  'favicon-32x32.png': 'image/png',
} as const;

export const docsAssetParams: ObjectSchema = {
  type: 'object',
  properties: { asset: { type: 'string', enum: [...Object.keys(SWAGGER_UI_ASSETS), 'initializer.js'] } },
  required: ['asset'],
  additionalProperties: false,
};

/** The page itself: no inline script, so helmet's default Content-Security-Policy (script-src 'self') holds. */
export function docsPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>business-dashboard API</title>
  <link rel="icon" type="image/png" href="/api/docs/favicon-32x32.png">
  <link rel="stylesheet" href="/api/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/swagger-ui-bundle.js"></script>
  <script src="/api/docs/swagger-ui-standalone-preset.js"></script>
  <script src="/api/docs/initializer.js"></script>
</body>
</html>
`;
}

/** Starts Swagger UI on the generated document; "Authorize" takes an access token for "Try it out". */
export function docsInitializer(): string {
  return `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
  });
};
`;
}
