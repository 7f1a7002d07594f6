/**
 * How a serving task (pkp:oracle, pkp:explorer, pkp:streams, pkp:dev-issuer) ends: it runs until
 * SIGINT or SIGTERM, says which (`▸ SIGINT: stopping`), stops its service once, and returns when
 * the service has stopped (a failure to stop is the caller's `stop` to report or rethrow).
 */
export function untilSignal(stop: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      console.log(`▸ ${signal}: stopping`);
      stop().then(resolve, reject);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}
