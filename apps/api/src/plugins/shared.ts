// Fastify gives each registered plugin its own scope; the plugins in this folder decorate the app (db, queue)
// or hook every route (swagger, error handler), so they must not be scoped. This is what fastify-plugin does
// (without its version checks), kept here rather than adding a dependency for two symbols.
export function shared<T extends object>(name: string, plugin: T): T {
  Object.assign(plugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: name });
  return plugin;
}
