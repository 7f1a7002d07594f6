// ESLint (flat config) for the repository's TypeScript, with typescript-eslint's type-aware rules.
// `npm run lint:ts` runs it; `npm test` runs that before the tests. Every rule turned off or
// narrowed below says why; a disable comment in the code must name its rule and give a reason.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** The mocha globals whose `.only` would silently skip every other test in CI. */
const ONLY = ["describe", "context", "it", "specify"].map((object) => ({
  object,
  property: "only",
  message: "`.only` skips every other test: remove it before committing.",
}));

export default tseslint.config(
  {
    // Generated, installed, or not Node TypeScript. actions/ holds Lit Actions: plain JavaScript
    // that runs in the QuickJS sandbox with Lit's globals, checked by their own tests.
    ignores: [
      "node_modules/",
      "artifacts/",
      "cache/",
      "typechain-types/",
      "coverage/",
      "dist/",
      "deployments/",
      "ignition/deployments/",
      "proofs/",
      ".oracle/",
      "actions/",
      "contracts/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ["**/*.ts"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // A promise nobody awaits loses its rejection (an unhandled rejection kills Node 20), and a
      // promise where a callback's void is expected (setInterval, event handlers) does the same.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "no-restricted-properties": ["error", ...ONLY],
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      // An async function without await is how this code base implements a promise-returning
      // contract (Keystore.generate, ActionStore.get, fixtures): `async` also turns a synchronous
      // throw into a rejection, which is what the callers handle.
      "@typescript-eslint/require-await": "off",
      // Prettier lays out `contract.connect(x)\n  ["fn(sig)"](…)` this way; the rule cannot tell
      // it from an ASI hazard (eslint-config-prettier turns it off for the same reason).
      "no-unexpected-multiline": "off",
    },
  },
  {
    files: ["test/**/*.ts"],
    rules: {
      // chai's property assertions (`expect(x).to.be.empty`, `.to.be.true`) are expressions.
      "@typescript-eslint/no-unused-expressions": "off",
      // Tests read untyped JSON on purpose (CLI output, files on disk, tampered bundles) and
      // poke at it; the assertions are the type check. Library code keeps these rules.
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  {
    files: ["**/*.mjs", "**/*.js", "**/*.cjs"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Plain Node scripts (scripts/*.mjs): Node's globals, nothing else.
    files: ["scripts/**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
  {
    // CommonJS tools Node loads before TypeScript is available (scripts/ts-transpile-cache.cjs).
    files: ["scripts/**/*.cjs"],
    languageOptions: {
      sourceType: "commonjs",
      globals: {
        require: "readonly",
        module: "writable",
        __dirname: "readonly",
        process: "readonly",
      },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
