package command

// osEnv is passed through to commands besides PATH (see windowsEnv).
var osEnv = windowsEnv
