import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";

// `.openapi()` on zod schemas (component names, examples, integer types for numeric query strings). The
// extension patches zod's prototype, so every API schema module takes `z` from here: it is then applied
// before any of them declares a schema, whatever the import order.
extendZodWithOpenApi(z);

export { z };
