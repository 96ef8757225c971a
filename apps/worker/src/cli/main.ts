// `slmlab <command>`: the command-line entry. Commands load lazily, so a client command never loads tfjs.
const USAGE = `usage: slmlab <command> [args]
  train <spec.json | preset> [--key=value ...]   train one experiment here, no services needed
  eval <checkpoint-file> [--split=test|valid]    NLL of a saved or downloaded checkpoint
  reproduce paper [--tables=A,B,D] [--seeds=N]    run the study's tables through the API, print them beside its numbers
  presets                                        list the preset names
run "slmlab <command> --help" for a command's options`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'train':
      return (await import('./train-command.ts')).trainCommand(rest);
    case 'eval':
      return (await import('./eval-command.ts')).evalCommand(rest);
    case 'reproduce':
      return (await import('./reproduce-command.ts')).reproduceCommand(rest);
    case 'presets':
      console.log((await (await import('./presets.ts')).listPresets()).join('\n'));
      return 0;
    case undefined:
    case '--help':
    case 'help':
      console.log(USAGE);
      return command ? 0 : 2;
    default:
      console.error(`unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`slmlab: ${(err as Error).message ?? err}`);
    process.exit(1);
  },
);
