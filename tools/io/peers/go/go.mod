module cadre/iopeer

go 1.19
