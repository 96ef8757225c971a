// `slmlab <command>`: the command-line entry. Commands load lazily, so a client command never loads tfjs.
const USAGE = `usage: slmlab <command> [args]
  train <spec.json | preset> [--key=value ...]   train one experiment here, no services needed
  eval <checkpoint-file> [--split=test|valid]    NLL of a saved or downloaded checkpoint
  reproduce paper [--tables=A,B,D] [--seeds=N]    run the study's tables through the API, print them beside its numbers
  presets [--names]                              list the presets, with what each costs to train here
  export <id> [--out=FILE] [--api=URL]           an experiment of an API as one bundle file (checkpoints included)
  import <file> [--api=URL]                      a bundle into an API; an unfinished run resumes there
run "slmlab <command> --help" for a command's options`;

const COMMANDS = ['train', 'eval', 'reproduce', 'presets', 'export', 'import', 'help'];

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
      return (await import('./presets-command.ts')).presetsCommand(rest);
    case 'export':
      return (await import('./transfer-command.ts')).exportCommand(rest);
    case 'import':
      return (await import('./transfer-command.ts')).importCommand(rest);
    case '--help':
    case '-h':
    case 'help':
      console.log(USAGE);
      return 0;
    case undefined:
      console.error(USAGE);
      return 2;
    default: {
      const guess = (await import('./suggest.ts')).closest(command, COMMANDS);
      console.error(`unknown command "${command}"${guess ? ` (did you mean ${guess}?)` : ''}\n${USAGE}`);
      return 2;
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`slmlab: ${(err as Error).message ?? err}`);
    // A mistake in the command line exits 2, as the usage messages do; anything else 1.
    process.exit((err as Error).name === 'UsageError' ? 2 : 1);
  },
);
