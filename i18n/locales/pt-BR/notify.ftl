# Avisos de menções: a notificação do sistema e o título da aba.

notify-mentioned = { $author } mencionou você em #{ $room }
notify-title = ({ $count }) { brand }
