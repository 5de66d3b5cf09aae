// Types of policy.mjs for TypeScript importers (examples, tests): a scripted model's rules.
declare const policy: { rules: { match: string; replies: string[] }[] };
export default policy;
