# 提及通知：桌面通知和标签页标题。

notify-mentioned = { $author } 在 #{ $room } 中提到了你
notify-title = ({ $count }) { brand }
