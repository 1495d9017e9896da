%% dist_bench: the Erlang side of Cadre's distribution benchmarks
%% (docs/performance.md, "Distribution"): the same two tests as
%% cadre-bench-dist, between two Erlang nodes on this machine connected by
%% Erlang distribution (TCP on loopback, epmd), printing the same JSON Lines
%% (impl "erlang").
%%
%% Two nodes, started with the same cookie (epmd starts by itself):
%%   erlc -o DIR dist_bench.erl
%%   erl -sname b -setcookie C -noshell +S W:W -pa DIR -s dist_bench server
%%   erl -sname a -setcookie C -noshell +S W:W -pa DIR -s dist_bench main \
%%       -extra --peer b [--test pingpong,throughput] [--size 100,4096]
%%       [--secs 3] [--warmup 1] [--senders 1] [--window 10000]
%%       [--ack-every 1000] [--workers W] [--stop-server]
%%
%% The server node registers two processes: dist_echo answers {From, Seq,
%% Bin} with {Seq, Bin}; dist_sink counts binaries and their bytes, answers
%% {sync, From, N} with {ack, N} and {count, From} with {count, Msgs, Bytes}
%% (and starts counting again from zero). The client looks both up on the
%% peer (rpc:call of erlang:whereis) and sends to their pids.
%%
%% pingpong: one process sends a ping (a Size-byte binary, with its sequence
%% number and its pid), waits for the echo, and records the round trip
%% (erlang:monotonic_time) for --secs seconds after --warmup seconds of
%% untimed round trips. msgs = 2 x round trips; p50/p99/p999/max over
%% every round trip of the measured phase.
%%
%% throughput: --senders processes each send Size-byte binaries to the sink
%% and, after every --ack-every of them, a {sync, self(), N}; the sink
%% answers with {ack, N}, and FIFO order between the pair means every
%% binary before it was received. A sender keeps at most --window binaries
%% unacknowledged. At --secs it stops, sends a last sync and waits for its
%% ack, so secs runs from the start to the last sender's last ack: every
%% binary counted was received. A warm-up phase of --warmup seconds runs the
%% same way first (untimed); then the sink's count is read and reset. The
%% check: the sink's count and bytes after the measured phase are exactly
%% what the senders sent. Erlang's own backpressure applies: a sender whose
%% distribution channel is busy (over its buffer limit, +zdbbl) is
%% suspended by the VM; Erlang has no overflow error, so overflows is 0.
-module(dist_bench).
-export([main/0, server/0]).

-define(FLOODED, [{message_queue_data, off_heap}]).

%% ---- the server node ------------------------------------------------------

server() ->
    register(dist_echo, spawn(fun echo/0)),
    register(dist_sink, spawn_opt(fun() -> sink(0, 0) end, ?FLOODED)),
    io:format(standard_error, "dist_bench: server ~s ready~n", [node()]).

echo() ->
    receive
        {From, Seq, Bin} -> From ! {Seq, Bin}, echo();
        stop -> ok
    end.

sink(N, Bytes) ->
    receive
        Bin when is_binary(Bin) -> sink(N + 1, Bytes + byte_size(Bin));
        {sync, From, K} -> From ! {ack, K}, sink(N, Bytes);
        {count, From} -> From ! {count, N, Bytes}, sink(0, 0);
        stop -> ok
    end.

%% ---- the client node ------------------------------------------------------

main() ->
    Code = try run(init:get_plain_arguments())
           catch
               throw:{usage, Msg} ->
                   io:format(standard_error, "dist_bench: ~s~n", [Msg]),
                   2;
               throw:{fail, Msg} ->
                   io:format(standard_error, "dist_bench: ~s~n", [Msg]),
                   1;
               Class:Reason:Stack ->
                   io:format(standard_error, "dist_bench: ~p:~p ~p~n", [Class, Reason, Stack]),
                   1
           end,
    halt(Code).

parse([], O) -> O;
parse(["--stop-server" | T], O) -> parse(T, O#{stop_server => true});
parse([A | T], O) ->
    case string:split(A, "=") of
        [K, V] -> parse([K, V | T], O);
        [_] ->
            case T of
                [V | T2] -> parse(T2, set_opt(A, V, O));
                [] -> throw({usage, "missing value for " ++ A})
            end
    end.

set_opt("--peer", V, O) -> O#{peer => V};
set_opt("--test", V, O) ->
    Tests = string:lexemes(V, ","),
    [throw({usage, "unknown test " ++ X}) || X <- Tests,
                                            not lists:member(X, ["pingpong", "throughput"])],
    O#{tests => Tests};
set_opt("--size", V, O) -> O#{sizes => [int(S, 1, 1 bsl 20) || S <- string:lexemes(V, ",")]};
set_opt("--secs", V, O) -> O#{secs => num(V)};
set_opt("--warmup", V, O) -> O#{warmup => num(V)};
set_opt("--senders", V, O) -> O#{senders => int(V, 1, 64)};
set_opt("--window", V, O) -> O#{window => int(V, 1, 1 bsl 24)};
set_opt("--ack-every", V, O) -> O#{ack_every => int(V, 1, 1 bsl 24)};
set_opt("--workers", V, O) -> O#{workers => int(V, 1, 1024)};
set_opt(Opt, _, _) -> throw({usage, "bad argument " ++ Opt}).

int(S, Min, Max) ->
    case string:to_integer(S) of
        {I, []} when I >= Min, I =< Max -> I;
        _ -> throw({usage, "bad number " ++ S})
    end.

num(S) ->
    case string:to_float(S) of
        {F, []} when F >= 0 -> F;
        _ -> float(int(S, 0, 86400))
    end.

run(Args) ->
    O = parse(Args, #{tests => ["pingpong", "throughput"], sizes => [100, 4096], secs => 3.0,
                      warmup => 1.0, senders => 1, window => 10000, ack_every => 1000,
                      workers => erlang:system_info(schedulers_online),
                      stop_server => false}),
    maps:is_key(peer, O) orelse throw({usage, "--peer NODE is required"}),
    maps:get(window, O) >= maps:get(ack_every, O)
        orelse throw({usage, "--window must be at least --ack-every"}),
    Node = peer_node(maps:get(peer, O)),
    {Echo, Sink} = connect(Node, now_ns() + 30000000000),
    Ok = [run_case(T, S, Echo, Sink, O) || T <- maps:get(tests, O), S <- maps:get(sizes, O)],
    case maps:get(stop_server, O) of
        true -> rpc:call(Node, init, stop, []);
        false -> ok
    end,
    case lists:all(fun(X) -> X end, Ok) of
        true -> 0;
        false -> 1
    end.

%% "b" names the node b on this host; "b@host" is taken as it is.
peer_node(P) ->
    case lists:member($@, P) of
        true -> list_to_atom(P);
        false ->
            [_, Host] = string:split(atom_to_list(node()), "@"),
            list_to_atom(P ++ "@" ++ Host)
    end.

%% Connects to Node and finds its echo and sink, retrying until Deadline.
connect(Node, Deadline) ->
    Found = case net_kernel:connect_node(Node) of
                true ->
                    {rpc:call(Node, erlang, whereis, [dist_echo]),
                     rpc:call(Node, erlang, whereis, [dist_sink])};
                _ -> none
            end,
    case Found of
        {E, S} when is_pid(E), is_pid(S) -> {E, S};
        _ ->
            now_ns() < Deadline orelse throw({fail, io_lib:format("no server at ~s", [Node])}),
            timer:sleep(50),
            connect(Node, Deadline)
    end.

now_ns() -> erlang:monotonic_time(nanosecond).

secs_ns(S) -> round(S * 1.0e9).

run_case(Test, Size, Echo, Sink, O) ->
    io:format(standard_error, "dist_bench: erlang ~s ~b B: ~.1f s warm-up, ~.1f s measured~n",
              [Test, Size, float(maps:get(warmup, O)), float(maps:get(secs, O))]),
    erlang:garbage_collect(),
    {Ok, Line} = case Test of
                     "pingpong" -> pingpong(Echo, Size, O);
                     "throughput" -> throughput(Sink, Size, O)
                 end,
    Ok orelse io:format(standard_error, "dist_bench: erlang ~s ~b B: check FAILED~n",
                        [Test, Size]),
    io:format("{\"bench\":\"dist_~s\",\"impl\":\"erlang\",\"workers\":~b,~s,"
              "\"security\":\"none\"}~n", [Test, maps:get(workers, O), Line]),
    Ok.

%% ---- pingpong ---------------------------------------------------------------

pingpong(Echo, Size, O) ->
    Bin = binary:copy(<<$x>>, Size),
    Main = self(),
    Pinger = spawn_link(fun() ->
        T0 = now_ns(),
        {ok, _} = ping_loop(Echo, Bin, 0, T0 + secs_ns(maps:get(warmup, O)), none),
        T1 = now_ns(),
        R = ping_loop(Echo, Bin, 1 bsl 32, T1 + secs_ns(maps:get(secs, O)), []),
        Main ! {self(), R, now_ns() - T1}
    end),
    receive
        {Pinger, {ok, Lat}, Ns} ->
            N = length(Lat),
            Sorted = list_to_tuple(lists:sort(Lat)),
            Secs = Ns / 1.0e9,
            Q = fun(P) -> quantile(Sorted, N, P) end,
            {N > 0, io_lib:format("\"msgs\":~b,\"secs\":~.6f,\"mps\":~.1f,\"runs\":1,"
                                  "\"warmups\":1,\"stat\":\"median\",\"check\":\"~s\","
                                  "\"size\":~b,\"round_trips\":~b,\"p50_ns\":~b,"
                                  "\"p99_ns\":~b,\"p999_ns\":~b,\"max_ns\":~b",
                                  [2 * N, Secs, 2 * N / Secs, ok_str(N > 0), Size, N,
                                   Q(0.5), Q(0.99), Q(0.999), Q(1.0)])};
        {Pinger, Err, _} ->
            io:format(standard_error, "dist_bench: pingpong: ~p~n", [Err]),
            {false, io_lib:format("\"msgs\":0,\"secs\":0,\"mps\":0,\"runs\":1,\"warmups\":1,"
                                  "\"stat\":\"median\",\"check\":\"fail\",\"size\":~b",
                                  [Size])}
    end.

%% Round trips until End; Lat collects each one's nanoseconds (none: not
%% recorded). The echo must answer with the same sequence number and size.
ping_loop(Echo, Bin, Seq, End, Lat) ->
    T = now_ns(),
    case T >= End of
        true -> {ok, Lat};
        false ->
            Echo ! {self(), Seq, Bin},
            receive
                {Seq, B} when byte_size(B) =:= byte_size(Bin) ->
                    T2 = now_ns(),
                    Lat2 = case Lat of
                               none -> none;
                               _ -> [T2 - T | Lat]
                           end,
                    ping_loop(Echo, Bin, Seq + 1, End, Lat2);
                Other -> {bad_echo, Seq, Other}
            after 10000 -> {timeout, Seq}
            end
    end.

%% The value at quantile P of the sorted tuple S of N values (as
%% cadre-bench-dist: the value of rank floor(P x N), the last at most).
quantile(_, 0, _) -> 0;
quantile(S, N, P) -> element(min(N, trunc(P * N) + 1), S).

ok_str(true) -> "ok";
ok_str(false) -> "fail".

%% ---- throughput -------------------------------------------------------------

throughput(Sink, Size, O) ->
    Bin = binary:copy(<<$x>>, Size),
    K = maps:get(senders, O),
    {_, _, true} = phase(Sink, Bin, K, maps:get(warmup, O), O),
    Sink ! {count, self()},
    receive {count, _, _} -> ok after 10000 -> throw({fail, "no count from the sink"}) end,
    {Sent, Ns, Done} = phase(Sink, Bin, K, maps:get(secs, O), O),
    Sink ! {count, self()},
    {Got, Bytes} = receive {count, C, B} -> {C, B} after 10000 -> {-1, -1} end,
    Ok = Done andalso Got =:= Sent andalso Bytes =:= Sent * Size andalso Sent > 0,
    Ok orelse io:format(standard_error, "dist_bench: throughput: sent ~b, sink counted ~b "
                        "(~b bytes)~n", [Sent, Got, Bytes]),
    Secs = Ns / 1.0e9,
    {Ok, io_lib:format("\"msgs\":~b,\"secs\":~.6f,\"mps\":~.1f,\"runs\":1,\"warmups\":1,"
                       "\"stat\":\"median\",\"check\":\"~s\",\"size\":~b,\"senders\":~b,"
                       "\"window\":~b,\"ack_every\":~b,\"bytes_per_sec\":~b,\"overflows\":0",
                       [Sent, Secs, Sent / Secs, ok_str(Ok), Size, K, maps:get(window, O),
                        maps:get(ack_every, O), round(Sent * Size / Secs)])}.

%% K senders for Secs seconds; {messages sent and acknowledged, nanoseconds
%% from the start to the last sender's last ack, whether all finished}.
phase(Sink, Bin, K, Secs, O) ->
    Main = self(),
    T0 = now_ns(),
    End = T0 + secs_ns(Secs),
    W = maps:get(window, O),
    A = maps:get(ack_every, O),
    Pids = [spawn_link(fun() -> Main ! {done, self(), sender(Sink, Bin, W, A, End, 0, 0, 0)} end)
            || _ <- lists:seq(1, K)],
    Res = [receive {done, P, N} -> N after secs_ns(Secs) div 1000000 + 30000 -> timeout end
           || P <- Pids],
    Ns = now_ns() - T0,
    Done = lists:all(fun is_integer/1, Res),
    {lists:sum([N || N <- Res, is_integer(N)]), Ns, Done}.

%% Sent: binaries sent; Acked: the last ack's count; Synced: the count the
%% last sync carried. A sync follows every A binaries; the clock and the
%% acks are looked at there, and when the window is full. A full window
%% always has a sync beyond Acked in flight (W >= A), so its ack comes.
sender(Sink, Bin, W, A, End, Sent, Acked, Synced)
  when Sent - Acked < W, Sent - Synced < A ->
    Sink ! Bin,
    sender(Sink, Bin, W, A, End, Sent + 1, Acked, Synced);
sender(Sink, Bin, W, A, End, Sent, Acked, Synced) ->
    Synced2 = case Sent - Synced >= A of
                  true -> Sink ! {sync, self(), Sent}, Sent;
                  false -> Synced
              end,
    Acked2 = drain_acks(Acked),
    case now_ns() >= End of
        true -> finish(Sink, Sent, Acked2, Synced2);
        false when Sent - Acked2 < W -> sender(Sink, Bin, W, A, End, Sent, Acked2, Synced2);
        false -> receive {ack, N} -> sender(Sink, Bin, W, A, End, Sent, N, Synced2) end
    end.

drain_acks(Acked) ->
    receive {ack, N} -> drain_acks(N) after 0 -> Acked end.

%% The last sync (unless one for Sent is out already), then its ack.
finish(_Sink, Sent, Acked, _Synced) when Acked >= Sent -> Sent;
finish(_Sink, Sent, _Acked, Sent) -> wait_ack(Sent);
finish(Sink, Sent, _Acked, _Synced) ->
    Sink ! {sync, self(), Sent},
    wait_ack(Sent).

wait_ack(Sent) ->
    receive
        {ack, Sent} -> Sent;
        {ack, _} -> wait_ack(Sent)
    after 30000 -> timeout
    end.
