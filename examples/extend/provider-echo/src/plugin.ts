/** The plugin: `rlmtree run --plugin rlmtree-example-provider-echo --model 'echo:<prefix>' …`. */
import { definePlugin } from '@rlmtree/core';

export default definePlugin({
  name: 'rlmtree-example-provider-echo',
  providers: [
    {
      prefix: 'echo',
      description: 'echoes the last message behind <prefix> (echo:<prefix>)',
      // Imported when a run asks for `echo:`, not when the plugin loads.
      create: async (prefix) => new (await import('./echo-client.ts')).EchoClient(prefix),
    },
  ],
});
