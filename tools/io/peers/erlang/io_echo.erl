%% The Erlang/OTP peer of Cadre's I/O benchmarks (docs/performance.md,
%% "Talking to the world"): an echo server on gen_tcp, one process per
%% connection, reading with {active, once} (the flow-controlled idiom: one
%% message per read, re-armed after each).
%%
%%   erl -noshell +S N:N -pa DIR -s io_echo main -extra --port P
%%
%% +S N:N gives Erlang N schedulers, as many threads as the other servers'
%% workers. One acceptor process per scheduler waits in gen_tcp:accept on
%% the shared listening socket and spawns a handler for each connection,
%% handing it the socket (controlling_process).
-module(io_echo).
-export([main/0, acceptor/1]).

main() ->
    Port = port_arg(init:get_plain_arguments(), 7003),
    Opts = [binary, {packet, raw}, {active, false}, {reuseaddr, true},
            {nodelay, true}, {backlog, 4096}, {ip, {127, 0, 0, 1}}],
    case gen_tcp:listen(Port, Opts) of
        {ok, L} ->
            [spawn(?MODULE, acceptor, [L])
             || _ <- lists:seq(1, erlang:system_info(schedulers))],
            receive stop -> ok end;
        {error, Reason} ->
            io:format(standard_error, "erlang peer: listen ~p: ~p~n", [Port, Reason]),
            halt(1)
    end.

port_arg(["--port", P | _], _) -> list_to_integer(P);
port_arg([_ | Rest], Default) -> port_arg(Rest, Default);
port_arg([], Default) -> Default.

acceptor(L) ->
    case gen_tcp:accept(L) of
        {ok, S} ->
            Pid = spawn(fun() -> receive go -> ok end, inet:setopts(S, [{active, once}]), loop(S) end),
            ok = gen_tcp:controlling_process(S, Pid),
            Pid ! go,
            acceptor(L);
        {error, _} ->
            acceptor(L)
    end.

loop(S) ->
    receive
        {tcp, S, Data} ->
            gen_tcp:send(S, Data),
            inet:setopts(S, [{active, once}]),
            loop(S);
        {tcp_closed, S} -> ok;
        {tcp_error, S, _} -> gen_tcp:close(S)
    end.
