// Lint: Convex's recommended rules, no floating promises, and the layering
// rules from the style guide (domain code registers public functions only
// through lib/functions.ts; the SPA imports only the generated api and
// browser-safe shared modules; components never import the app).
import convexPlugin from "@convex-dev/eslint-plugin";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: ["**/_generated/**", "node_modules/**", "dist/**", "web/dist/**", ".local/**", "artifacts/**"],
  },
  {
    files: ["**/*.ts", "**/*.tsx"],
    extends: [tseslint.configs.base],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      // An unused import or local is a leftover the next reader has to puzzle over. `_name` marks one kept on purpose.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true }],
    },
  },
  ...convexPlugin.configs.recommended,
  {
    files: ["convex/**/*.ts"],
    // The auth builder modules are the only places allowed to use the raw builders.
    ignores: ["convex/lib/functions.ts", "convex/inspector/staff.ts", "convex/**/*.test.ts", "convex/test.setup.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "convex/server",
              importNames: ["queryGeneric", "mutationGeneric", "actionGeneric"],
              message: "Register public functions through convex/lib/functions.ts.",
            },
          ],
          patterns: [
            {
              regex: "_generated/server$",
              importNames: ["query", "mutation", "action"],
              message: "Register public functions through convex/lib/functions.ts (userQuery, accountMutation, ...).",
            },
          ],
        },
      ],
    },
  },
  {
    // The one module that reads the environment (plus auth.config.ts, which Convex evaluates itself) and tests.
    files: ["convex/lib/env.ts", "convex/auth.config.ts", "convex/**/*.test.ts", "convex/test.setup.ts"],
    rules: { "@convex-dev/no-process-env": "off" },
  },
  {
    files: ["components/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ regex: "^(\\.\\./)+convex(/|$)", message: "Components never import the app." }] }],
      "no-restricted-syntax": [
        "error",
        { selector: "MemberExpression[object.name='process'][property.name='env']", message: "Components never read process.env; take values as arguments." },
      ],
    },
  },
  {
    // React's rules of hooks and the compiler-backed checks, all as errors: a missed effect dependency fails lint.
    files: ["web/src/**/*.ts", "web/src/**/*.tsx"],
    plugins: reactHooks.configs.flat.recommended.plugins,
    rules: Object.fromEntries(Object.keys(reactHooks.configs.flat.recommended.rules).map((rule) => [rule, "error"])),
  },
  {
    files: ["web/**/*.ts", "web/**/*.tsx"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(\\.\\./)+convex/(?!_generated/api|_generated/dataModel|lib/errors|shared/)",
              message: "The SPA imports only convex/_generated/api, dataModel types and convex/shared or lib/errors.",
            },
          ],
        },
      ],
    },
  },
);
