//! Search benchmark: 1,000,000 messages over 1,000 rooms in English, Portuguese, Russian and
//! Chinese; indexing rate, index size, and query latency by kind of query.
//!
//! ```text
//! CARGO_TARGET_DIR=/tmp/search-target cargo run --release -p search --example search_bench \
//!     [DIR] [--keep-index]
//! ```
//! Without DIR a temporary directory is used. With DIR, an existing natter.db there is reused
//! (its generation takes a while); search.db is rebuilt unless `--keep-index`.
//!
//! The text is generated from word lists below: per language a few hundred everyday chat
//! words (Russian ones in several inflected forms) picked with a Zipf distribution, a long
//! tail of rare made-up words, numbers and emoji; rooms have a main language and uneven
//! activity; 1% of events are edits, 0.5% deletions and 3% reactions.

use rusqlite::{params, Connection};
use search::Index;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What is printed, kept for `--report FILE` (which puts it into FILE as one section).
static REPORT: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

/// `println!`, and kept for the report.
macro_rules! report {
    ($($arg:tt)*) => {{
        let line = format!($($arg)*);
        println!("{line}");
        if let Ok(mut report) = REPORT.lock() {
            report.push_str(&line);
            report.push('\n');
        }
    }};
}

/// Puts the report into `path` as the section "## Search …", in place of an earlier one
/// (up to the next "## " heading) or before "## JSON lines".
fn write_report(path: &Path) -> std::io::Result<()> {
    let body = REPORT.lock().map(|r| r.replace("\n## ", "\n### ")).unwrap_or_default();
    let body = body.strip_prefix("## ").map(|b| format!("### {b}")).unwrap_or(body);
    let title =
        format!("## Search ({MESSAGES} messages in {ROOMS} rooms; `search/examples/search_bench.rs`)");
    let section = format!("{title}\n\n{body}\n");
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let new = match old.find("## Search (") {
        Some(at) => {
            let end = old[at + 3..].find("\n## ").map_or(old.len(), |e| at + 3 + e + 1);
            format!("{}{section}{}", &old[..at], &old[end..])
        }
        None => match old.find("## JSON lines") {
            Some(at) => format!("{}{section}\n{}", &old[..at], &old[at..]),
            None => format!("{old}\n{section}"),
        },
    };
    std::fs::write(path, new)
}

const MESSAGES: usize = 1_000_000;
const ROOMS: usize = 1_000;
const QUERIES_PER_KIND: usize = 300;
const LIMIT: usize = 20;

const EN: &str =
    "the i you to a and it is that of in this for on my me so we what just be have are not with \
    do was but like can if get at all they know your no it's don't up lol yes about out one go \
    how ok now there good time when will people think see going really would from want here he \
    she got day more make today then need thanks some them also right much why work still back \
    new did love our because well could thing way great sure should who something even come take \
    sorry tomorrow last tonight week morning night home meeting call team project code bug fix \
    build release test tests deploy server database coffee lunch dinner weekend friday monday \
    happy nice cool awesome hello hey hi guys anyone everyone help question idea plan update \
    later soon early late running typing reading writing working talking waiting looking playing \
    watching listening game games movie music song book books phone laptop computer email \
    message messages chat room channel photo picture video link file files folder doc meetings \
    calendar schedule deadline office remote travel trip flight hotel city weather rain sunny \
    cold hot snow beach park walk run ride drive car train bus ticket money price cheap \
    expensive buy sell shop store order delivery package pizza burger salad tea beer wine water \
    kitchen cook cooking dog dogs cat cats kids family friend friends party birthday gift \
    holiday vacation school class exam homework teacher student university job interview boss \
    salary contract client customer market sales report numbers data chart slides presentation \
    review feedback issue issues tickets branch merge commit push pull version feature features \
    design logo color font screen mobile app apps website browser login password account \
    settings";
const PT: &str = "que não de a o e eu é um para com uma você os no na se mas por isso tem como mais ele foi \
    muito já também só está bem sim vai pra aqui agora hoje amanhã ontem então quando onde \
    porque ser ter fazer ir ver dizer saber poder querer dar falar trabalhar trabalho \
    trabalhando trabalhei estudar estudando comer comendo beber dormir acordar chegar sair \
    voltar ligar mandar enviar receber pagar comprar vender abrir fechar jogar jogando assistir \
    ouvir ler escrever pensar achar acho gosto gostei amo adoro obrigado obrigada valeu beleza \
    tudo bom boa dia noite tarde semana fim mês ano casa rua cidade praia carro ônibus metrô \
    trânsito chuva sol frio calor tempo reunião projeto equipe chefe cliente empresa escritório \
    email mensagem grupo conversa foto vídeo música filme série livro jogo festa aniversário \
    presente família amigo amigos amiga namorada namorado filho filha mãe pai irmão irmã \
    cachorro gato comida almoço jantar café cerveja água pizza churrasco mercado loja dinheiro \
    preço caro barato conta cartão banco médico hospital escola aula prova faculdade professor \
    aluno viagem férias hotel voo passagem problema solução ideia pergunta resposta ajuda \
    verdade mentira coisa coisas gente pessoal galera cara mano legal massa top demais incrível \
    feliz triste cansado cansada atrasado pronto certo errado novo velho grande pequeno melhor \
    pior primeiro último sempre nunca talvez ainda depois antes cedo logo rápido devagar coração \
    saudade vontade sorte paciência notícia notícias informação informações atenção computador \
    celular internet senha aplicativo sistema versão";
const RU: &str = "и в не на я что он с это как а по но ты все так его мы вы к у же за бы от из да нет о мне \
    меня тебя тебе уже было есть был была будет сейчас сегодня завтра вчера потом тоже очень \
    можно нужно надо просто ещё только когда где почему кто чтобы если или привет пока спасибо \
    пожалуйста хорошо плохо ладно окей давай давайте знаю думаю хочу могу люблю работаю работать \
    работа работу работы работой работе делать делаю сделал сделала говорить сказал сказала \
    писать написал читать читаю смотреть смотрю смотрели гулять гуляли гуляю гуляем идти иду \
    пошли пойдём ехать еду приехал звонить позвони ждать жду собака собаку собаки собакой собаке \
    собаками кошка кошку кошки дом дома домой квартира город москва питер улица машина метро \
    автобус поезд погода дождь снег солнце холодно тепло жарко утро утром день днём вечер \
    вечером ночь ночью неделя неделю выходные понедельник пятница время часа минут встреча \
    встречу встречи проект проекта проекте команда команды задача задачу задачи код ошибка \
    ошибку сервер релиз тест тесты начальник клиент клиенты деньги зарплата магазин цена кофе \
    чай обед ужин пиво вода еда пицца друг друга друзья друзьями подруга семья мама папа брат \
    сестра дети ребёнок школа университет экзамен учитель книга книгу фильм фильмы музыка песня \
    игра игру телефон компьютер ноутбук интернет сообщение сообщения чат фото видео ссылка файл \
    файлы новости новость праздник рождения подарок отпуск море лес парк парке путешествие \
    самолёт билет гостиница врач больница здоровье устал устала рад рада круто классно отлично \
    ужасно странно интересно смешно понятно конечно наверное вообще вместе";
const ZH: &str = "的 我 你 是 了 不 在 有 好 这 他 们 就 也 都 要 去 吗 吧 呢 啊 今天 明天 昨天 现在 时候 我们 你们 他们 大家 一起 没有 什么 怎么 为什么 可以 知道 \
    觉得 喜欢 需要 应该 已经 还是 但是 因为 所以 如果 然后 工作 上班 下班 公司 老板 同事 会议 开会 项目 问题 时间 天气 下雨 太阳 很冷 很热 北京 上海 广州 深圳 \
    城市 地铁 公交 开车 出租车 飞机 火车 机场 酒店 旅行 旅游 周末 假期 学校 学生 老师 考试 作业 大学 朋友 家人 妈妈 爸爸 孩子 哥哥 姐姐 吃饭 午饭 晚饭 早饭 \
    咖啡 奶茶 啤酒 火锅 饺子 面条 米饭 水果 超市 商店 买东西 价格 便宜 手机 电脑 网络 微信 消息 照片 视频 音乐 电影 电视 游戏 看书 运动 跑步 睡觉 起床 休息 \
    生日 快乐 礼物 谢谢 不客气 对不起 没关系 你好 再见 晚安 早上 晚上 中午 下午 医院 医生 身体 健康 感冒 开心 高兴 难过 累 忙 有意思 漂亮 厉害 真的 当然 可能 \
    一定 马上 等等 加油 哈哈 代码 程序 服务器 数据 测试 发布 版本 用户 设计 文件 邮件 电话 地址 房子 搬家 结婚 工资 钱 银行 快递 外卖 准备 开始 结束 完成 帮忙 \
    记得 忘了 告诉 希望 相信 决定 讨论 安排 计划 目标 结果 原因 办法 机会 经验 能力 环境 社会 世界 中国 美国 日本 新闻 历史 文化 语言 中文 英文 学习 练习 比赛 \
    足球 篮球 天天 今年 明年 去年 小时 分钟";
/// Russian nouns and verbs in a case or tense other than the dictionary form.
const RU_INFLECTED: &str =
    "собаками собаке работой работе друзьями встречу проекте гуляли смотрели задачи ошибку кошки \
    новости команды сообщения фильмы книгу друга парке неделю игру вечером утром";
const EMOJI: &[&str] = &["😀", "😂", "👍", "🎉", "❤️", "🔥", "🙏", "😅", "🤔", "👀"];
const LATIN_SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ru", "ven", "tor", "sel", "dra", "quo", "bix", "zen", "fal", "mor", "tis", "gan", "pe",
];
const CYRILLIC_SYLLABLES: &[&str] = &[
    "ка", "ло", "ми", "ру", "вен", "тор", "сел", "дра", "зу", "бих", "жен", "фал", "мор", "тис", "ган", "пе",
];

/// splitmix64: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 > 1.0 - p
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Picks ranks 0..n with probability ∝ 1/(rank+1)^s.
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, s: f64) -> Zipf {
        let mut total = 0.0;
        let cumulative = (0..n)
            .map(|r| {
                total += 1.0 / ((r + 1) as f64).powf(s);
                total
            })
            .collect::<Vec<_>>();
        Zipf { cumulative: cumulative.iter().map(|c| c / total).collect() }
    }
    fn pick(&self, rng: &mut Rng) -> usize {
        let u = rng.unit();
        self.cumulative.partition_point(|&c| c < u).min(self.cumulative.len() - 1)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Lang {
    En,
    Pt,
    Ru,
    Zh,
}

struct Vocabulary {
    words: [Vec<&'static str>; 4],
    zipf: [Zipf; 4],
    /// Made-up rare words (Latin, Cyrillic).
    rare: [Vec<String>; 2],
}

impl Vocabulary {
    fn new(rng: &mut Rng) -> Vocabulary {
        let words = [EN, PT, RU, ZH].map(|list| list.split(' ').collect::<Vec<_>>());
        let zipf = [0, 1, 2, 3].map(|i| Zipf::new(words[i].len(), 1.0));
        let made_up = |syllables: &[&str], rng: &mut Rng| -> Vec<String> {
            let mut seen = HashSet::new();
            while seen.len() < 50_000 {
                let n = 3 + rng.below(3);
                seen.insert((0..n).map(|_| syllables[rng.below(syllables.len())]).collect::<String>());
            }
            let mut words: Vec<String> = seen.into_iter().collect();
            words.sort();
            words
        };
        let rare = [made_up(LATIN_SYLLABLES, rng), made_up(CYRILLIC_SYLLABLES, rng)];
        Vocabulary { words, zipf, rare }
    }

    fn index(lang: Lang) -> usize {
        lang as usize
    }

    fn word(&self, lang: Lang, rng: &mut Rng) -> &'static str {
        let i = Self::index(lang);
        self.words[i][self.zipf[i].pick(rng)]
    }

    /// A chat message in `lang`.
    fn message(&self, lang: Lang, rng: &mut Rng) -> String {
        // Mostly short, sometimes long.
        let words = if rng.chance(0.1) { 12 + rng.below(25) } else { 2 + rng.below(10) };
        let mut text = String::new();
        for n in 0..words {
            let word: String = if rng.chance(0.01) && lang != Lang::Zh {
                let pool = &self.rare[usize::from(lang == Lang::Ru)];
                pool[rng.below(pool.len())].clone()
            } else if rng.chance(0.01) {
                format!("{}", rng.below(3000))
            } else {
                self.word(lang, rng).to_owned()
            };
            if lang == Lang::Zh {
                text.push_str(&word);
                if rng.chance(0.15) && n + 1 < words {
                    text.push('，');
                }
            } else {
                if n > 0 {
                    text.push(if rng.chance(0.05) { ',' } else { ' ' });
                    if text.ends_with(',') {
                        text.push(' ');
                    }
                }
                if n == 0 && rng.chance(0.5) {
                    let mut chars = word.chars();
                    if let Some(first) = chars.next() {
                        text.extend(first.to_uppercase());
                        text.push_str(chars.as_str());
                    }
                } else {
                    text.push_str(&word);
                }
            }
        }
        match rng.below(10) {
            0 => text.push('?'),
            1 => text.push('!'),
            2 => {
                text.push(' ');
                text.push_str(EMOJI[rng.below(EMOJI.len())]);
            }
            3 if lang == Lang::Zh => text.push('。'),
            _ => {}
        }
        text
    }
}

fn room_name(r: usize) -> String {
    format!("room-{r:04}")
}

fn room_lang(r: usize) -> Lang {
    match r % 20 {
        0..=5 => Lang::En,
        6..=10 => Lang::Pt,
        11..=15 => Lang::Ru,
        _ => Lang::Zh,
    }
}

/// Writes natter.db the way the store does (message rows, edits, deletions, reactions).
fn generate(path: &Path, vocab: &Vocabulary, rng: &mut Rng) -> rusqlite::Result<()> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    conn.execute_batch(
        "CREATE TABLE messages (room TEXT NOT NULL, seq INTEGER NOT NULL, client_id TEXT NOT NULL,
           author TEXT NOT NULL, text TEXT NOT NULL, sent_at INTEGER NOT NULL, mood REAL NOT NULL DEFAULT 0,
           lang TEXT, kind INTEGER NOT NULL DEFAULT 0, target INTEGER, reply_to INTEGER, mentions TEXT,
           mentions_room INTEGER NOT NULL DEFAULT 0, edited_at INTEGER, deleted_at INTEGER,
           PRIMARY KEY (room, seq)) WITHOUT ROWID;
         CREATE UNIQUE INDEX messages_client_id ON messages (room, client_id);",
    )?;
    let activity = Zipf::new(ROOMS, 0.8);
    let mut last = vec![0u64; ROOMS];
    let mut clock: i64 = 1_704_067_200_000; // 2024-01-01
    let tx = conn.unchecked_transaction()?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO messages (room, seq, client_id, author, text, sent_at, lang, kind, target)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        let mut edit =
            tx.prepare("UPDATE messages SET text = ?3, edited_at = ?4 WHERE room = ?1 AND seq = ?2")?;
        let mut delete = tx.prepare(
            "UPDATE messages SET text = '', deleted_at = ?3 WHERE room = ?1 AND seq = ?2 AND kind = 0",
        )?;
        let mut messages = 0;
        while messages < MESSAGES {
            // Rooms are shuffled so the busy ones are not all of one language.
            let r = (activity.pick(rng) * 7919) % ROOMS;
            let room = room_name(r);
            clock += (rng.unit() * 5200.0) as i64;
            let lang = if rng.chance(0.1) {
                [Lang::En, Lang::Pt, Lang::Ru, Lang::Zh][rng.below(4)]
            } else {
                room_lang(r)
            };
            let code = ["en", "pt", "ru", "zh"][lang as usize];
            let author = format!("user{}", rng.below(5000));
            let roll = rng.unit();
            let recent = |rng: &mut Rng| last[r].saturating_sub(rng.below(20) as u64).max(1);
            let (kind, target, text) = if last[r] > 20 && roll < 0.01 {
                (1, Some(recent(rng)), vocab.message(lang, rng))
            } else if last[r] > 20 && roll < 0.015 {
                (2, Some(recent(rng)), String::new())
            } else if last[r] > 20 && roll < 0.045 {
                (3, Some(recent(rng)), EMOJI[rng.below(EMOJI.len())].to_owned())
            } else {
                (0, None, vocab.message(lang, rng))
            };
            last[r] += 1;
            let seq = last[r] as i64;
            insert.execute(params![room, seq, format!("c{seq}"), author, text, clock, code, kind, target])?;
            match (kind, target) {
                (0, _) => messages += 1,
                (1, Some(t)) => {
                    edit.execute(params![room, t as i64, text, clock])?;
                }
                (2, Some(t)) => {
                    delete.execute(params![room, t as i64, clock])?;
                }
                _ => {}
            }
        }
    }
    tx.commit()?;
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    Ok(())
}

/// Writes like the chat's store (group commits of 10 messages, `synchronous=FULL`, every
/// 20 ms) to room "live" until `stop`, telling `index` of each commit; returns the commit
/// times.
fn write_load(
    natter: &Path,
    index: Option<Arc<Index>>,
    stop: Arc<AtomicBool>,
) -> rusqlite::Result<Vec<Duration>> {
    let conn = Connection::open(natter)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let mut clock: i64 =
        conn.query_row("SELECT COALESCE(MAX(sent_at), 0) FROM messages", [], |r| r.get(0))?;
    let mut seq: i64 =
        conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room = 'live'", [], |r| r.get(0))?;
    let mut times = Vec::new();
    let mut rng = Rng(7);
    let vocab = ["hello there", "привет всем", "olá pessoal", "大家好", "meeting at noon", "até amanhã"];
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        let tx = conn.unchecked_transaction()?;
        for _ in 0..10 {
            seq += 1;
            clock += 2;
            tx.execute(
                "INSERT INTO messages (room, seq, client_id, author, text, sent_at)
                 VALUES ('live', ?1, ?2, 'bot', ?3, ?4)",
                params![seq, format!("live{seq}"), vocab[rng.below(vocab.len())], clock],
            )?;
        }
        tx.commit()?;
        times.push(started.elapsed());
        if let Some(index) = &index {
            index.touched("live");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(times)
}

fn summary(times: &mut [Duration]) -> String {
    times.sort();
    format!(
        "{} commits, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        times.len(),
        percentile(times, 0.5),
        percentile(times, 0.99),
        percentile(times, 1.0)
    )
}

fn size(path: &Path) -> u64 {
    ["", "-wal"]
        .iter()
        .map(|suffix| {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            std::fs::metadata(&file).map_or(0, |m| m.len())
        })
        .sum()
}

/// A query, the rooms its searcher may read, and whether to time its second page.
type Query = (String, HashSet<String>, bool);

struct Kind {
    name: &'static str,
    times: Vec<Duration>,
    hits: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let keep_index = args.iter().any(|a| a == "--keep-index");
    let report_to =
        args.iter().position(|a| a == "--report").and_then(|i| args.get(i + 1)).map(PathBuf::from);
    let temp;
    let dir: PathBuf = match args.iter().find(|a| !a.starts_with("--") && Some(PathBuf::from(a)) != report_to)
    {
        Some(dir) => PathBuf::from(dir),
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_owned()
        }
    };
    std::fs::create_dir_all(&dir)?;
    let natter = dir.join("natter.db");
    let mut rng = Rng(0x5EA2C4);
    let vocab = Vocabulary::new(&mut rng);
    if !natter.exists() {
        let started = Instant::now();
        generate(&natter, &vocab, &mut rng)?;
        eprintln!(
            "generated {MESSAGES} messages in {ROOMS} rooms in {:.1} s ({:.0} MB)",
            started.elapsed().as_secs_f64(),
            size(&natter) as f64 / 1e6
        );
    }
    let search_db = dir.join("search.db");
    if !keep_index {
        for suffix in ["", "-wal", "-shm"] {
            let mut file = search_db.as_os_str().to_owned();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
    }

    // Commit times of a writer alone, then while the indexer catches up.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (natter, stop) = (natter.clone(), Arc::clone(&stop));
        std::thread::spawn(move || write_load(&natter, None, stop))
    };
    std::thread::sleep(Duration::from_secs(10));
    stop.store(true, Ordering::Relaxed);
    let mut alone = writer.join().map_err(|_| "writer panicked")??;

    let started = Instant::now();
    let index = Arc::new(Index::open(&dir, &natter)?);
    stop.store(false, Ordering::Relaxed);
    let writer = {
        let (natter, stop, index) = (natter.clone(), Arc::clone(&stop), Arc::clone(&index));
        std::thread::spawn(move || write_load(&natter, Some(index), stop))
    };
    assert!(index.settle(Duration::from_secs(3600)), "indexing did not finish");
    let took = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let mut indexing = writer.join().map_err(|_| "writer panicked")??;
    assert!(index.settle(Duration::from_secs(60)), "indexing did not finish");
    let (live, events): (i64, i64) = {
        let conn = Connection::open(&natter)?;
        (
            conn.query_row("SELECT COUNT(*) FROM messages WHERE kind = 0 AND deleted_at IS NULL", [], |r| {
                r.get(0)
            })?,
            conn.query_row("SELECT COUNT(*) FROM messages", [], |r| r.get(0))?,
        )
    };
    {
        let conn = Connection::open(&search_db)?;
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
        let segments: i64 = conn.query_row("SELECT COUNT(DISTINCT segid) FROM fts_idx", [], |r| r.get(0))?;
        let docs: i64 = conn.query_row("SELECT COUNT(*) FROM docs", [], |r| r.get(0))?;
        let bytes = size(&search_db);
        report!("## Indexing\n");
        report!("| | |\n|---|---|");
        report!("| events in natter.db | {events} |");
        report!("| messages indexed | {docs} (live messages: {live}) |");
        if !keep_index {
            report!("| time | {took:.1} s |");
            report!("| rate | {:.0} messages/s ({:.0} events/s) |", docs as f64 / took, events as f64 / took);
        }
        report!(
            "| search.db | {:.1} MB, {:.0} bytes per message |",
            bytes as f64 / 1e6,
            bytes as f64 / docs as f64
        );
        report!("| natter.db | {:.1} MB |", size(&natter) as f64 / 1e6);
        report!("| FTS5 segments | {segments} |");
        report!("| natter.db commits, writer alone | {} |", summary(&mut alone));
        report!("| natter.db commits, while indexing | {} |\n", summary(&mut indexing));
    }

    // The searchers: most read 95% of the rooms (the others are private); one kind reads
    // 10 rooms, one all of them.
    let all: HashSet<String> = (0..ROOMS).map(room_name).collect();
    let most: HashSet<String> = (0..ROOMS).filter(|r| r % 20 != 7).map(room_name).collect();
    let ru_inflected: Vec<&str> = RU_INFLECTED.split(' ').collect();
    let words = |lang: Lang| &vocab.words[Vocabulary::index(lang)];
    let langs = [Lang::En, Lang::Pt, Lang::Ru, Lang::Zh];
    let latin_or_cyrillic = [Lang::En, Lang::Pt, Lang::Ru];
    let mut q = Rng(42);
    let mut kinds: Vec<(Kind, Vec<Query>)> = Vec::new();
    let mut add = |name: &'static str, queries: Vec<Query>| {
        kinds.push((Kind { name, times: Vec::new(), hits: 0 }, queries));
    };
    let common: Vec<_> = (0..QUERIES_PER_KIND)
        .map(|_| {
            let lang = langs[q.below(4)];
            (words(lang)[q.below(15)].to_owned(), most.clone(), false)
        })
        .collect();
    add("single common word", common);
    let rare: Vec<_> = (0..QUERIES_PER_KIND)
        .map(|_| {
            let pool = &vocab.rare[q.below(2)];
            (pool[q.below(pool.len())].clone(), most.clone(), false)
        })
        .collect();
    add("single rare word", rare);
    let two: Vec<_> = (0..QUERIES_PER_KIND)
        .map(|_| {
            let lang = langs[q.below(4)];
            let list = words(lang);
            let a = list[10 + q.below(list.len() - 10)];
            let b = list[q.below(100)];
            (format!("{a} {b}"), most.clone(), false)
        })
        .collect();
    add("two words", two);
    let prefix: Vec<_> = (0..QUERIES_PER_KIND)
        .map(|_| loop {
            let lang = latin_or_cyrillic[q.below(3)];
            let list = words(lang);
            let word = list[q.below(list.len())];
            let chars: Vec<char> = word.chars().collect();
            if chars.len() >= 5 {
                let cut = 3 + q.below(2);
                break (chars[..cut].iter().collect(), most.clone(), false);
            }
        })
        .collect();
    add("prefix (3-4 letters)", prefix);
    let inflected: Vec<_> = (0..QUERIES_PER_KIND)
        .map(|_| (ru_inflected[q.below(ru_inflected.len())].to_owned(), most.clone(), false))
        .collect();
    add("Russian inflected form", inflected);
    let bigram: Vec<_> = (0..QUERIES_PER_KIND)
        .map(|_| loop {
            let word = words(Lang::Zh)[q.below(words(Lang::Zh).len())];
            if word.chars().count() == 2 {
                break (word.to_owned(), most.clone(), false);
            }
        })
        .collect();
    add("Chinese bigram", bigram);
    let nothing: Vec<_> = (0..QUERIES_PER_KIND)
        .map(|i| {
            let query = if i % 2 == 0 {
                // Made-up words that were never written.
                format!("zq{}x{}", q.below(100_000), ["vy", "wk", "jj"][q.below(3)])
            } else {
                // Two frequent words that never meet in one message (Chinese and Russian).
                format!("{} {}", words(Lang::Zh)[21 + q.below(20)], words(Lang::Ru)[q.below(30)])
            };
            (query, most.clone(), false)
        })
        .collect();
    add("matches nothing", nothing);
    let mixed = |q: &mut Rng| -> String {
        let lang = langs[q.below(4)];
        let list = words(lang);
        list[q.below(list.len())].to_owned()
    };
    let ten_rooms: Vec<_> = (0..QUERIES_PER_KIND)
        .map(|_| {
            let rooms: HashSet<String> = (0..10).map(|_| room_name(q.below(ROOMS))).collect();
            (mixed(&mut q), rooms, false)
        })
        .collect();
    add("10 of 1,000 rooms", ten_rooms);
    let all_rooms: Vec<_> = (0..QUERIES_PER_KIND).map(|_| (mixed(&mut q), all.clone(), false)).collect();
    add("all rooms", all_rooms);
    // The worst case for skipping hits in other rooms: 100 of the quietest English rooms, and
    // common Chinese words, nearly all written in rooms the searcher may not read.
    let (quiet, quiet_share): (HashSet<String>, f64) = {
        let conn = Connection::open(&natter)?;
        let mut stmt = conn.prepare("SELECT room, COUNT(*) FROM messages GROUP BY room ORDER BY COUNT(*)")?;
        let rooms: Vec<(String, i64)> =
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        let english: Vec<&(String, i64)> = rooms
            .iter()
            .filter(|(name, _)| room_lang(name[5..].parse().unwrap_or(0)) == Lang::En)
            .take(100)
            .collect();
        let share = english.iter().map(|(_, n)| *n).sum::<i64>() as f64 / events as f64;
        (english.into_iter().map(|(name, _)| name.clone()).collect(), share)
    };
    let quiet_rooms: Vec<_> = (0..QUERIES_PER_KIND)
        .map(|_| (words(Lang::Zh)[q.below(40)].to_owned(), quiet.clone(), false))
        .collect();
    let quiet_name =
        format!("100 quiet English rooms ({:.1}% of messages), Chinese words", quiet_share * 100.0);
    add(Box::leak(quiet_name.into_boxed_str()), quiet_rooms);
    let second: Vec<_> = (0..QUERIES_PER_KIND).map(|_| (mixed(&mut q), most.clone(), true)).collect();
    add("second page (cursor)", second);

    // Warm the page cache the way a running server would be.
    for (_, queries) in &kinds {
        for (query, rooms, _) in queries.iter().take(30) {
            index.search(query, rooms, None, LIMIT)?;
        }
    }
    // SLOW_MS=n prints the queries slower than n ms.
    let slow = std::env::var("SLOW_MS").ok().and_then(|ms| ms.parse().ok()).map(Duration::from_millis);
    // Interleave the kinds so each sees the same conditions.
    for i in 0..QUERIES_PER_KIND {
        for (kind, queries) in &mut kinds {
            let (query, rooms, second_page) = &queries[i];
            let before = if *second_page { index.search(query, rooms, None, LIMIT)?.next } else { None };
            if *second_page && before.is_none() {
                continue;
            }
            let started = Instant::now();
            let page = index.search(query, rooms, before, LIMIT)?;
            let took = started.elapsed();
            if slow.is_some_and(|slow| took > slow) {
                eprintln!(
                    "slow: {:>7.2} ms  {} {query:?} ({} rooms)",
                    took.as_secs_f64() * 1e3,
                    kind.name,
                    rooms.len()
                );
            }
            kind.times.push(took);
            kind.hits += page.hits.len();
            for hit in &page.hits {
                assert!(rooms.contains(&hit.room));
            }
        }
    }
    report!("## Queries ({LIMIT} hits a page, {QUERIES_PER_KIND} queries of each kind, one thread)\n");
    report!("| kind | queries | mean hits | p50 ms | p99 ms | max ms |");
    report!("|---|---:|---:|---:|---:|---:|");
    let mut overall = Vec::new();
    for (kind, _) in &mut kinds {
        kind.times.sort();
        overall.extend(kind.times.iter().copied());
        report!(
            "| {} | {} | {:.1} | {:.2} | {:.2} | {:.2} |",
            kind.name,
            kind.times.len(),
            kind.hits as f64 / kind.times.len().max(1) as f64,
            percentile(&kind.times, 0.5),
            percentile(&kind.times, 0.99),
            percentile(&kind.times, 1.0)
        );
    }
    overall.sort();
    report!(
        "| **overall** | {} | | {:.2} | {:.2} | {:.2} |",
        overall.len(),
        percentile(&overall, 0.5),
        percentile(&overall, 0.99),
        percentile(&overall, 1.0)
    );
    if let Some(path) = report_to {
        write_report(&path)?;
    }
    Ok(())
}
