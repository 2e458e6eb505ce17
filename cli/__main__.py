from kaoping.entry import run

run()
