// Starts Swagger UI on the /docs page. It is a file of its own rather than an inline script so
// that the page runs under a Content-Security-Policy allowing scripts from this origin only.
"use strict";
(function () {
  var container = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: container.dataset.openapiUrl,
    domNode: container,
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // The default, validator.swagger.io, would be sent the schema's address and shown as a badge.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
