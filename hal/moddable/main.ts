// The board entry: mcconfig runs the module named "main" (manifest creation.main).
// It builds the Moddable board, starts the firmware — the same startFirmware(board) the bench
// and the tests call — and brings the network up in the background.
import config from 'mc/config';
import { startFirmware } from 'src/firmware';
import { makeModdableBoard } from 'hal/moddable/board';
import { NetworkUp } from 'hal/moddable/network';

const board = makeModdableBoard();
startFirmware(board);
new NetworkUp(config.wifiSsid, config.wifiPassword, config.sntpHost).start();
