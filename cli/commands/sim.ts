export { simCommand } from '../../firmware-sim/cli.js';
